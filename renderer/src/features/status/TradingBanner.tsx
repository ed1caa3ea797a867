/** The trading-state banner (ACTIVE / REDUCING / HALTED / RECONCILING) and the connection status. */
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/hooks';

const TEXT: Record<string, string> = {
  ACTIVE: 'ACTIVE — trading allowed',
  REDUCING: 'REDUCING — only risk-reducing orders',
  HALTED: 'HALTED — no new orders; re-arm to trade',
  RECONCILING: 'RECONCILING — waiting for the venue to agree',
};

export function TradingBanner() {
  const { state, source } = useApp(useShallow((s) => ({ state: s.views.engine?.tradingState ?? s.status?.tradingState ?? null, source: s.views.engine?.source ?? s.status?.tradingStateSource ?? '' })));
  if (!state) return <div className="banner banner--unknown" data-testid="trading-state">trading state unknown</div>;
  return (
    <div className={`banner banner--${state.toLowerCase()}`} data-testid="trading-state" data-state={state} role="status" aria-live="assertive">
      <strong>{state}</strong>
      <span>{TEXT[state]?.replace(/^\w+ — /, '')}</span>
      {source ? <span className="muted">({source})</span> : null}
    </div>
  );
}

export function ConnectionStatus() {
  const c = useApp((s) => s.connection);
  const cls = c.status === 'connected' ? 'up' : c.status === 'connecting' ? 'wait' : 'down';
  return (
    <span className={`status status--${cls}`} data-testid="connection" data-status={c.status} title={c.error ? `${c.error.code}: ${c.error.message}` : undefined}>
      engine: {c.status}
      {c.transport ? ` · ${c.transport === 'port' ? 'desktop port' : 'websocket'}` : ''}
      {c.error && c.status !== 'connected' ? ` · ${c.error.code}` : ''}
    </span>
  );
}
