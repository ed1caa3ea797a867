/** Account: balance, equity, margin, today's P&L (equity - start-of-day equity, exact), exposure. */
import { useApp } from '../../store/hooks';
import { money, moneySub, signClass } from '../../ui/format';
import { ReportButton } from '../../ui/ReportButton';

export function AccountPanel() {
  const a = useApp((s) => s.views.account);
  if (!a) return <section className="panel" aria-label="Account"><h2>Account</h2><p className="muted">waiting for the engine…</p></section>;
  const today = moneySub(a.equity, a.startOfDayEquity);
  const rows: [string, string, string?][] = [
    ['Balance', a.cash],
    ['Equity', a.equity],
    ['Unrealized P&L', a.unrealizedPnl, 'pnl'],
    ['Realized P&L', a.realizedPnl, 'pnl'],
    ["Today's P&L", today, 'pnl'],
    ['Margin used', a.marginUsed],
    ['Gross exposure', a.grossExposure],
  ];
  return (
    <section className="panel account" aria-label="Account" data-testid="account">
      <h2>
        Account <span className="muted">{a.currency}</span>
      </h2>
      <dl className="kv">
        {rows.map(([k, v, kind]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd className={`num ${kind === 'pnl' ? signClass(v) : ''}`} data-field={k}>{money(v)}</dd>
          </div>
        ))}
        <div>
          <dt>Open positions</dt>
          <dd className="num">{a.openPositions}</dd>
        </div>
      </dl>
      <ReportButton args={{ source: 'period' }} label="Account report" />
    </section>
  );
}
