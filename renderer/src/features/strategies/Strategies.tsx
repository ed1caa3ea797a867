/**
 * Strategies: state, start / stop, and parameters. Parameters are the strategy's section of the
 * configuration; saving one is `config.set`, which the engine validates against the strategy's own
 * schema (the refusal lists every issue). Parameter changes take effect at the next engine start.
 */
import { useEffect, useState } from 'react';
import { useApp, useAppStore } from '../../store/hooks';
import { ErrorText } from '../../ui/ErrorText';
import { IssueList } from '../../ui/IssueList';
import { useValidatedCommand } from '../../ui/use-details';

type Entry = { path: string; params: Record<string, unknown> };

const NOT_PARAMS = new Set(['name', 'id', 'enabled', 'risk', 'limits', 'sizing', 'instruments']);

function strategyEntries(config: Record<string, unknown>): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const list = Array.isArray(config.strategies) ? (config.strategies as Record<string, unknown>[]) : config.strategy ? [config.strategy as Record<string, unknown>] : [];
  list.forEach((s, i) => {
    const id = typeof s.id === 'string' ? s.id : String(s.name);
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (!NOT_PARAMS.has(k) && (typeof v !== 'object' || v === null)) params[k] = v;
    out.set(id, { path: Array.isArray(config.strategies) ? `strategies.${i}` : 'strategy', params });
  });
  return out;
}

export function Strategies() {
  const strategies = useApp((s) => s.status?.strategies ?? []);
  const store = useAppStore();
  const { run, busy, error, details } = useValidatedCommand();
  const [entries, setEntries] = useState<Map<string, Entry>>(new Map());
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);

  const reload = () =>
    run(async (c) => {
      const [cfg, st] = await Promise.all([c.request('config.get', {}), c.request('engine.status', {})]);
      setEntries(strategyEntries(cfg.config));
      store.getState().setStatus(st);
    });
  useEffect(() => {
    void reload();
  }, []);

  const parse = (text: string, old: unknown): unknown => {
    if (typeof old === 'number') return text.trim() === '' ? text : Number(text);
    if (typeof old === 'boolean') return text === 'true';
    if (old === null && text.trim() === '') return null;
    return text;
  };

  return (
    <div data-testid="strategies">
      <ErrorText error={error} />
      <IssueList details={details} />
      {saved && !error ? <div className="ok">{saved}</div> : null}
      <table className="grid">
        <thead>
          <tr><th>Strategy</th><th>State</th><th>Instruments</th><th>Parameters (take effect at the next start)</th><th /></tr>
        </thead>
        <tbody>
          {strategies.map((s) => {
            const e = entries.get(s.id);
            return (
              <tr key={s.id} data-strategy={s.id}>
                <td>{s.id}</td>
                <td className={s.state === 'RUNNING' ? 'pos' : s.state === 'FAULTED' ? 'neg' : 'muted'}>{s.state}</td>
                <td>{s.instruments.join(', ')}</td>
                <td>
                  {e
                    ? Object.entries(e.params).map(([k, v]) => {
                        const key = `${e.path}.${k}`;
                        return (
                          <label key={k} className="param">
                            {k}
                            <input aria-label={`${s.id} ${k}`} value={edits[key] ?? String(v)} onChange={(ev) => setEdits({ ...edits, [key]: ev.target.value })} size={6} />
                          </label>
                        );
                      })
                    : null}
                  {e ? (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() =>
                        void run(async (c) => {
                          for (const [key, text] of Object.entries(edits)) {
                            if (!key.startsWith(`${e.path}.`)) continue;
                            const k = key.slice(e.path.length + 1);
                            await c.request('config.set', { path: key, value: parse(text, e.params[k]) });
                          }
                          setSaved(`${s.id}: parameters saved (they take effect at the next start)`);
                          setEdits({});
                          await reload();
                        })
                      }
                    >
                      Save
                    </button>
                  ) : null}
                </td>
                <td>
                  {s.state === 'RUNNING' ? (
                    <button type="button" disabled={busy} onClick={() => void run(async (c) => store.getState().setStatus({ ...(await c.request('engine.status', {})), strategies: await c.request('strategies.stop', { id: s.id }).then(() => c.request('strategies.list', {})).then((l) => l.strategies) }))}>
                      Stop
                    </button>
                  ) : (
                    <button type="button" disabled={busy} onClick={() => void run(async (c) => store.getState().setStatus({ ...(await c.request('engine.status', {})), strategies: await c.request('strategies.start', { id: s.id }).then(() => c.request('strategies.list', {})).then((l) => l.strategies) }))}>
                      Start
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
