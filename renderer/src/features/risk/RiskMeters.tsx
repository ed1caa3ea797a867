/** Risk meters: each limit's use as a bar (ok / warn / breach / off), and price freshness per instrument. */
import { memo } from 'react';
import { useApp } from '../../store/hooks';
import { freshnessRows, riskMeters, type FreshnessRow } from './risk-meters';

/** One freshness row; re-renders only when its shown text changes (the age moves every patch). */
const Fresh = memo(function Fresh({ instrumentId, age, source, stale }: FreshnessRow) {
  return (
    <tr className={stale ? 'stale' : ''} data-fresh={instrumentId}>
      <td>{instrumentId}</td>
      <td className="num">{age}</td>
      <td className="muted">{source}</td>
      <td>{stale ? <span className="badge badge--bad">STALE</span> : <span className="badge badge--ok">fresh</span>}</td>
    </tr>
  );
});

export function RiskMeters() {
  const risk = useApp((s) => s.views.risk);
  if (!risk) return <section className="panel" aria-label="Risk"><h2>Risk</h2><p className="muted">waiting for the engine…</p></section>;
  const rows = riskMeters(risk);
  const fresh = freshnessRows(risk);
  return (
    <section className="panel risk" aria-label="Risk" data-testid="risk-meters">
      <h2>Risk</h2>
      {rows.map((r) => (
        <div key={r.key} className={`meter meter--${r.level}`} data-meter={r.key} data-level={r.level}>
          <div className="meter__label">
            <span>{r.label}</span>
            <span className="num">
              {r.value} / {r.limit}
              {r.action ? <span className="muted"> → {r.action}</span> : null}
            </span>
          </div>
          <div className="meter__track" role="meter" aria-label={r.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={r.fillPct === null ? 0 : Math.min(100, Math.round(r.fillPct))}>
            <div className="meter__fill" style={{ width: `${r.fillPct === null ? 0 : Math.min(100, r.fillPct)}%` }} />
          </div>
        </div>
      ))}
      <h3>Price freshness</h3>
      <table className="grid grid--compact">
        <tbody>
          {fresh.map((f) => (
            <Fresh key={f.instrumentId} {...f} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
