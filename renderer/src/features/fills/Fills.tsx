/** The most recent fills, newest first. */
import { useApp } from '../../store/hooks';
import { money, time } from '../../ui/format';

export function Fills() {
  const fills = useApp((s) => s.fills);
  return (
    <table className="grid" data-testid="fills">
      <thead>
        <tr><th>Time</th><th>Trade</th><th>Order</th><th>Instrument</th><th>Side</th><th>Qty</th><th>Price</th><th>Fee</th><th>Liquidity</th></tr>
      </thead>
      <tbody>
        {fills.length === 0 ? (
          <tr><td colSpan={9} className="muted">no fills yet</td></tr>
        ) : (
          [...fills].reverse().map((f) => (
            <tr key={f.tradeId}>
              <td>{time(f.ts)}</td><td>{f.tradeId}</td><td>{f.clientOrderId}</td><td>{f.instrumentId}</td>
              <td className={f.side === 'BUY' ? 'pos' : 'neg'}>{f.side}</td><td className="num">{f.qty}</td><td className="num">{f.px}</td>
              <td className="num">{money(f.fee)} {f.feeCurrency}</td><td>{f.liquidity}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
