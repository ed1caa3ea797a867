/** Open positions with unrealized P&L; Close sends a reduce-only market order for the whole quantity. */
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/hooks';
import { ErrorText } from '../../ui/ErrorText';
import { money, signClass, time } from '../../ui/format';
import { useCommand } from '../../ui/use-command';

export function Positions() {
  const positions = useApp(useShallow((s) => [...s.views.positions.values()]));
  const { run, busy, error } = useCommand();
  return (
    <div data-testid="positions">
      <ErrorText error={error} />
      <table className="grid">
        <thead>
          <tr><th>Instrument</th><th>Qty</th><th>Avg px</th><th>Mark</th><th>Unrealized P&amp;L</th><th>Value</th><th>Opened</th><th /></tr>
        </thead>
        <tbody>
          {positions.length === 0 ? (
            <tr><td colSpan={8} className="muted" data-testid="no-positions">flat — no open positions</td></tr>
          ) : (
            positions.map((p) => (
              <tr key={p.instrumentId} data-position={p.instrumentId}>
                <td>{p.instrumentId}</td>
                <td className={`num ${signClass(p.qty)}`}>{p.qty}</td>
                <td className="num">{p.avgPx}</td>
                <td className="num">{p.markPx ?? '—'}</td>
                <td className={`num ${signClass(p.unrealizedPnl)}`} data-field="upnl">{money(p.unrealizedPnl)}</td>
                <td className="num">{money(p.marketValue)}</td>
                <td>{time(p.tsOpened)}</td>
                <td>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      void run((c) =>
                        c.request('orders.submit', {
                          instrumentId: p.instrumentId,
                          side: p.qty.startsWith('-') ? 'BUY' : 'SELL',
                          type: 'MARKET',
                          qty: p.qty.replace(/^-/, ''),
                          reduceOnly: true,
                          tag: 'close',
                        }),
                      )
                    }
                  >
                    Close
                  </button>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
