/**
 * The RiskMeters component rendered (react-dom/server, no DOM needed) from the app store after a
 * `risk` view snapshot arrives, as the engine sends it: one meter per limit with its level, the
 * values and limits as text, a STALE badge for an instrument without a fresh price; and the
 * "waiting" state before any snapshot.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { RiskMeters } from '../../../renderer/src/features/risk/RiskMeters';
import { createAppStore } from '../../../renderer/src/store/app-store';
import { StoreContext } from '../../../renderer/src/store/hooks';
import { risk } from './risk-fixture';

const RISK = risk();

/**
 * Server rendering reads a zustand store's initial state (useSyncExternalStore's server snapshot), so
 * the store as it is now is frozen into a store whose initial state it is.
 */
function render(live: ReturnType<typeof createAppStore>): string {
  const store = createStore(() => live.getState()) as unknown as ReturnType<typeof createAppStore>;
  return renderToStaticMarkup(
    <StoreContext.Provider value={store}>
      <RiskMeters />
    </StoreContext.Provider>,
  );
}

describe('RiskMeters component', () => {
  it('waits for the engine, then shows a meter per limit with its level and a STALE badge per stale instrument', () => {
    const store = createAppStore();
    expect(render(store)).toContain('waiting for the engine');
    store.getState().applyFrames([{ kind: 'snapshot', view: 'risk', seq: 1, data: RISK }]);
    const html = render(store);
    expect(html).toContain('data-testid="risk-meters"');
    const levels = [...html.matchAll(/data-meter="([a-z_]+)" data-level="([a-z]+)"/g)].map((m) => [m[1], m[2]]);
    expect(levels).toEqual(expect.arrayContaining([['exposure', 'warn'], ['positions', 'breach'], ['drawdown', 'ok']]));
    expect(html).toMatch(/40,000 \/ 50,000 \(50%\)/);
    expect(html).toMatch(/aria-valuenow="80"/);
    expect(html).toMatch(/data-fresh="BBB".*STALE/);
    expect(html).toMatch(/data-fresh="AAA".*fresh/);
  });
});
