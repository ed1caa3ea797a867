/** The alerts feed: `alert` pushes and trading-state changes, newest first. */
import { useApp } from '../../store/hooks';
import { time } from '../../ui/format';

export function AlertsFeed() {
  const alerts = useApp((s) => s.alerts);
  return (
    <ul className="alerts" data-testid="alerts">
      {alerts.length === 0 ? <li className="muted">no alerts</li> : null}
      {alerts.map((a) => (
        <li key={a.id} className={`alert alert--${a.level}`} data-code={a.code}>
          <span className="muted">{time(a.ts)}</span> <strong>{a.level}</strong> <code>{a.code}</code> {a.message}
        </li>
      ))}
    </ul>
  );
}

/** The newest alert in one line (header), so a critical one is seen whatever tab is open. */
export function LatestAlert() {
  const a = useApp((s) => s.alerts[0]);
  if (!a || a.level === 'info') return null;
  return (
    <span className={`latest-alert alert--${a.level}`} title={a.message}>
      <code>{a.code}</code> {a.message}
    </span>
  );
}
