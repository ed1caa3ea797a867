/**
 * The configuration editor: the running configuration as a tree of `path = value` rows (JSON values);
 * a change is `config.set`, validated whole by the engine (a refusal lists every issue, nothing
 * changes). Below: the audit history (`config.history`: who changed what, old -> new, applied now or
 * at the next start).
 */
import { useEffect, useMemo, useState } from 'react';
import type { CommandResult } from '../../../../engine/protocol/contract';
import { ErrorText } from '../../ui/ErrorText';
import { IssueList } from '../../ui/IssueList';
import { time } from '../../ui/format';
import { useValidatedCommand } from '../../ui/use-details';

export function flatten(obj: unknown, prefix = ''): [string, unknown][] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [[prefix, obj]];
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(...flatten(v, p));
    else out.push([p, v]);
  }
  return out;
}

export function ConfigEditor() {
  const { run, busy, error, details, setError } = useValidatedCommand();
  const [config, setConfig] = useState<Record<string, unknown> | null>(null);
  const [history, setHistory] = useState<CommandResult<'config.history'>['changes']>([]);
  const [filter, setFilter] = useState('');
  const [path, setPath] = useState('');
  const [value, setValue] = useState('');
  const [last, setLast] = useState<string | null>(null);

  const reload = () =>
    run(async (c) => {
      const [cfg, h] = await Promise.all([c.request('config.get', {}), c.request('config.history', { limit: 100 })]);
      setConfig(cfg.config);
      setHistory(h.changes);
    });
  useEffect(() => {
    void reload();
  }, []);

  const rows = useMemo(() => (config ? flatten(config).filter(([p]) => p.includes(filter)) : []), [config, filter]);

  return (
    <div className="config" data-testid="config">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          let v: unknown;
          try {
            v = JSON.parse(value);
          } catch {
            return setError({ code: 'ui.invalid_json', message: 'the value must be JSON: 5, 0.5, true, null, "text", [1,2]' });
          }
          void run(async (c) => {
            const r = await c.request('config.set', { path, value: v });
            setLast(`${r.path}: ${JSON.stringify(r.old)} → ${JSON.stringify(r.new)} (${r.applied ? 'applied now' : 'at the next start'})`);
            await reload();
          });
        }}
      >
        <input aria-label="config path" placeholder="risk.max_trades_per_day" value={path} onChange={(e) => setPath(e.target.value)} size={34} />
        <input aria-label="config value" placeholder="JSON value" value={value} onChange={(e) => setValue(e.target.value)} size={16} />
        <button type="submit" disabled={busy || path === ''} data-testid="config-save">Set</button>
        <input aria-label="filter" placeholder="filter…" value={filter} onChange={(e) => setFilter(e.target.value)} size={14} />
      </form>
      <ErrorText error={error} testId="config-error" />
      <IssueList details={details} />
      {last && !error ? <div className="ok" data-testid="config-ok">{last}</div> : null}
      <div className="config__cols">
        <table className="grid grid--compact">
          <tbody>
            {rows.map(([p, v]) => (
              <tr
                key={p}
                onClick={() => {
                  setPath(p);
                  setValue(JSON.stringify(v));
                }}
              >
                <td><code>{p}</code></td>
                <td className="num">{JSON.stringify(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div>
          <h3>Audit history</h3>
          <table className="grid grid--compact" data-testid="config-history">
            <thead>
              <tr><th>Time</th><th>Path</th><th>Old</th><th>New</th><th>Applied</th><th>By</th></tr>
            </thead>
            <tbody>
              {history.length === 0 ? (
                <tr><td colSpan={6} className="muted">no changes since the engine started</td></tr>
              ) : (
                [...history].reverse().map((h, i) => (
                  <tr key={i}>
                    <td>{time(h.ts)}</td><td><code>{h.path}</code></td><td>{JSON.stringify(h.old)}</td><td>{JSON.stringify(h.new)}</td><td>{h.applied ? 'now' : 'next start'}</td><td>{h.source}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
