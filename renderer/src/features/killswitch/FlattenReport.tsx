/**
 * A flatten report: status, the cancels, the closes with their fills, and any failures. Takes the
 * engine's report (contract) or the desktop host's (electron/preload/api.ts FlattenReportView, which
 * has no roles or attempts): those fields show as a dash.
 */
import type { FlattenReportDto } from '../../../../engine/protocol/contract';
import { time } from '../../ui/format';

export function FlattenReport({ report }: { report: FlattenReportDto }) {
  return (
    <div className="flatten-report" data-testid="flatten-report" data-status={report.status}>
      <p>
        <strong data-testid="flatten-status">{report.status}</strong> · #{report.flattenId} · {report.source} · started {time(report.startedAt)}
        {report.completedAt !== null ? ` · completed ${time(report.completedAt)}` : ''}
      </p>
      {report.strategiesStopped.length > 0 ? <p>Strategies stopped: {report.strategiesStopped.join(', ')}</p> : null}
      <h3>Closes ({report.closes.length})</h3>
      <table className="grid">
        <thead>
          <tr><th>Instrument</th><th>Start qty</th><th>Closed</th><th>Avg px</th><th>Status</th><th>Attempts</th></tr>
        </thead>
        <tbody>
          {report.closes.map((c) => (
            <tr key={c.instrumentId} data-close={c.instrumentId}>
              <td>{c.instrumentId}</td><td className="num">{c.startQty}</td><td className="num">{c.closedQty}</td><td className="num">{c.avgPx ?? '—'}</td><td>{c.status}</td><td className="num">{c.attempts?.length ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Cancels ({report.cancels.length})</h3>
      <table className="grid">
        <thead>
          <tr><th>Order</th><th>Instrument</th><th>Role</th><th>Open qty</th><th>Outcome</th></tr>
        </thead>
        <tbody>
          {report.cancels.map((c) => (
            <tr key={c.clientOrderId}>
              <td>{c.clientOrderId}</td><td>{c.instrumentId}</td><td>{c.role ?? '—'}</td><td className="num">{c.openQty}</td><td>{c.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.failures.length > 0 ? (
        <>
          <h3 className="neg">Failures ({report.failures.length})</h3>
          <ul>
            {report.failures.map((f, i) => (
              <li key={i}>
                {time(f.ts)} {f.instrumentId} {f.clientOrderId}: <code>{f.code}</code> {f.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
