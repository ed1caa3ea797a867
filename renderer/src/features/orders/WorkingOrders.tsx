/** Working orders (not yet filled or ended), with cancel, and Cancel all. */
import { useShallow } from 'zustand/react/shallow';
import type { OrderDto } from '../../../../engine/protocol/contract';
import { useApp } from '../../store/hooks';
import { ErrorText } from '../../ui/ErrorText';
import { time } from '../../ui/format';
import { useCommand } from '../../ui/use-command';

const TERMINAL = new Set(['DENIED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
export const isWorking = (o: OrderDto) => !TERMINAL.has(o.status);

export function WorkingOrders() {
  const orders = useApp(useShallow((s) => [...s.views.orders.values()].filter(isWorking).sort((a, b) => b.tsInit - a.tsInit)));
  const { run, busy, error } = useCommand();
  return (
    <div data-testid="orders">
      <div className="row">
        <button type="button" disabled={busy || orders.length === 0} onClick={() => void run((c) => c.request('orders.cancelAll', {}))}>
          Cancel all
        </button>
        <ErrorText error={error} />
      </div>
      <table className="grid">
        <thead>
          <tr><th>Order</th><th>Instrument</th><th>Side</th><th>Type</th><th>Role</th><th>Qty</th><th>Filled</th><th>Price</th><th>Status</th><th>Time</th><th /></tr>
        </thead>
        <tbody>
          {orders.length === 0 ? (
            <tr><td colSpan={11} className="muted">no working orders</td></tr>
          ) : (
            orders.map((o) => (
              <tr key={o.clientOrderId} data-order={o.clientOrderId} data-role={o.role}>
                <td>{o.clientOrderId}</td>
                <td>{o.instrumentId}</td>
                <td className={o.side === 'BUY' ? 'pos' : 'neg'}>{o.side}</td>
                <td>{o.type}</td>
                <td>{o.role}</td>
                <td className="num">{o.qty}</td>
                <td className="num">{o.filledQty}</td>
                <td className="num">{o.price ?? o.triggerPrice ?? '—'}</td>
                <td>{o.status}</td>
                <td>{time(o.tsInit)}</td>
                <td>
                  <button type="button" disabled={busy} onClick={() => void run((c) => c.request('orders.cancel', { clientOrderId: o.clientOrderId }))}>
                    Cancel
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
