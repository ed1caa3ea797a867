/** Backtest exports: the trade list as CSV (RFC 4180 quoting) and the whole result as JSON. */
import type { BacktestResult } from '../../store/app-store';

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function tradesCsv(r: BacktestResult): string {
  const head = ['instrument', 'direction', 'qty', 'entry_time', 'entry_px', 'exit_time', 'exit_px', 'pnl', 'fees', 'exit_reason'];
  const rows = r.trades.map((t) => [t.instrumentId, t.direction, t.qty, new Date(t.entryTs).toISOString(), t.entryPx, new Date(t.exitTs).toISOString(), t.exitPx, t.pnl, t.fees, t.exitReason]);
  return [head, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
