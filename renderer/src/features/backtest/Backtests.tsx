/**
 * Backtests from the workstation: a strategy (name and `key=value` parameters, validated by the
 * engine), the instruments, Run (`backtest.run` over the bars the engine has recorded) with its
 * progress pushes; then the metrics, the equity curve, the trade list, CSV / JSON export and the
 * tester report.
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BacktestResult } from '../../store/app-store';
import { useApp, useAppStore } from '../../store/hooks';
import { ErrorText } from '../../ui/ErrorText';
import { IssueList } from '../../ui/IssueList';
import { time } from '../../ui/format';
import { ReportButton } from '../../ui/ReportButton';
import { useValidatedCommand } from '../../ui/use-details';
import { EquityChart } from './EquityChart';
import { download, tradesCsv } from './export';

const SHOWN_METRICS = ['netPnl', 'totalReturn', 'maxDrawdown', 'sharpe', 'sortino', 'profitFactor', 'winRate', 'numTrades', 'totalFees', 'timeInMarket'];

export function parseParams(text: string): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  for (const part of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w]*)\s*=\s*(.*)$/.exec(part);
    if (!m) return `"${part}" is not key=value`;
    const v = m[2]!.trim();
    out[m[1]!] = v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

export function Backtests() {
  const store = useAppStore();
  const ids = useApp(useShallow((s) => [...s.instruments.keys()]));
  const { progress, results, running } = useApp(useShallow((s) => ({ progress: s.backtest.progress, results: s.backtest.results, running: s.backtest.running })));
  const { run, error, details, setError } = useValidatedCommand();
  const [name, setName] = useState('ema_cross');
  const [params, setParams] = useState('fast=8, slow=21');
  const [chosen, setChosen] = useState<string[]>([]);
  const [shown, setShown] = useState<string | null>(null);
  const result: BacktestResult | undefined = results.find((r) => r.runId === shown) ?? results[0];

  const start = () => {
    const p = parseParams(params);
    if (typeof p === 'string') return setError({ code: 'ui.invalid_params', message: p });
    store.getState().setBacktest({ running: true, progress: null });
    void run(async (c) => {
      const r = await c.request('backtest.run', { strategy: { name, ...p }, ...(chosen.length > 0 ? { instruments: chosen } : {}) }, { timeoutMs: 120_000 });
      store.getState().addBacktestResult(r);
      setShown(r.runId);
    }).finally(() => store.getState().setBacktest({ running: false }));
  };

  return (
    <div className="backtests" data-testid="backtests">
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        <label>
          Strategy <input aria-label="strategy name" value={name} onChange={(e) => setName(e.target.value)} size={14} />
        </label>
        <label>
          Parameters <input aria-label="strategy parameters" value={params} onChange={(e) => setParams(e.target.value)} size={28} />
        </label>
        <label>
          Instruments
          <select multiple aria-label="instruments" value={chosen} onChange={(e) => setChosen([...e.target.selectedOptions].map((o) => o.value))} size={Math.min(4, ids.length)}>
            {ids.map((id) => (
              <option key={id} value={id}>{id}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={running} data-testid="backtest-run">
          {running ? 'Running…' : 'Run backtest'}
        </button>
        {progress ? (
          <progress max={100} value={progress.pct} data-testid="backtest-progress" data-pct={progress.pct}>
            {progress.pct}%
          </progress>
        ) : null}
      </form>
      <ErrorText error={error} testId="backtest-error" />
      <IssueList details={details} />
      {results.length > 1 ? (
        <select aria-label="result" value={result?.runId} onChange={(e) => setShown(e.target.value)}>
          {results.map((r) => (
            <option key={r.runId} value={r.runId}>{r.runId} · {r.strategyId}</option>
          ))}
        </select>
      ) : null}
      {result ? (
        <div className="backtest-result" data-testid="backtest-result" data-run={result.runId}>
          <div className="row">
            <span>
              {result.strategyId} · {result.instruments.join(', ')} · {result.bars} bars · {time(result.fromTs)} → {time(result.toTs)}
            </span>
            <button type="button" onClick={() => download(`${result.runId}-trades.csv`, 'text/csv', tradesCsv(result))}>Export trades CSV</button>
            <button type="button" onClick={() => download(`${result.runId}.json`, 'application/json', JSON.stringify(result, null, 2))}>Export JSON</button>
            <ReportButton args={{ source: 'backtest', runId: result.runId }} />
          </div>
          <div className="backtest-grid">
            <dl className="kv">
              {SHOWN_METRICS.map((k) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd className="num" data-metric={k}>{result.metrics[k] === null || result.metrics[k] === undefined ? '—' : Number(result.metrics[k]!.toFixed(4)).toString()}</dd>
                </div>
              ))}
            </dl>
            <EquityChart ts={result.equity.ts} equity={result.equity.equity} />
          </div>
          <table className="grid">
            <thead>
              <tr><th>Instrument</th><th>Dir</th><th>Qty</th><th>Entry</th><th>Px</th><th>Exit</th><th>Px</th><th>P&amp;L</th><th>Reason</th></tr>
            </thead>
            <tbody>
              {result.trades.slice(0, 500).map((t, i) => (
                <tr key={i}>
                  <td>{t.instrumentId}</td><td>{t.direction}</td><td className="num">{t.qty}</td><td>{time(t.entryTs)}</td><td className="num">{t.entryPx.toFixed(5)}</td>
                  <td>{time(t.exitTs)}</td><td className="num">{t.exitPx.toFixed(5)}</td><td className={`num ${t.pnl.startsWith('-') ? 'neg' : 'pos'}`}>{t.pnl}</td><td>{t.exitReason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
