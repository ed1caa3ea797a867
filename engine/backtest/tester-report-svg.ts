/**
 * Inline SVG charts for the tester report (tester-report.ts): a time-series line chart (equity and
 * balance, drawdown as an area) and a histogram. Pure: each returns one `<svg>` string; every text is
 * escaped; colours are CSS variables of the page (so the page's theme styles them), no script, no
 * external reference.
 *
 * Long curves are decimated for drawing only: per pixel column the first, lowest, highest and last
 * sample, in time order, so every peak and trough of the curve stays visible (a 1,000-pixel chart
 * draws at most ~4,000 points whatever the length of the run). The figures never use decimated data.
 */

/** Escapes text for HTML element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** A step of 1, 2 or 5 x 10^k close to `raw` (> 0). */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep((hi - lo) / count);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Indices of the samples to draw: per x bucket the first, min, max and last, in order (see header). */
export function decimate(ts: readonly number[], values: readonly number[], buckets: number): number[] {
  const n = ts.length;
  if (n <= buckets * 4) return Array.from({ length: n }, (_, i) => i);
  const t0 = ts[0]!;
  const span = ts[n - 1]! - t0 || 1;
  const out: number[] = [];
  let b = -1;
  let first = 0;
  let lo = 0;
  let hi = 0;
  let last = 0;
  const flush = () => {
    const idx = [...new Set([first, lo, hi, last])].sort((x, y) => x - y);
    for (const i of idx) out.push(i);
  };
  for (let i = 0; i < n; i++) {
    const k = Math.min(buckets - 1, Math.floor(((ts[i]! - t0) / span) * buckets));
    if (k !== b) {
      if (b >= 0) flush();
      b = k;
      first = lo = hi = last = i;
      continue;
    }
    if (values[i]! < values[lo]!) lo = i;
    if (values[i]! > values[hi]!) hi = i;
    last = i;
  }
  if (b >= 0) flush();
  return out;
}

export interface LineSeries {
  name: string;
  /** CSS colour, e.g. `var(--equity)`. */
  color: string;
  values: readonly number[];
}

export interface LineChartOptions {
  ts: readonly number[];
  series: readonly LineSeries[];
  /** Fill the area between the first series and zero (a drawdown chart). */
  area?: boolean;
  yFormat: (v: number) => string;
  label: string;
  width?: number;
  height?: number;
}

const PAD = { left: 78, right: 16, top: 12, bottom: 28 };

function n2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

function dateLabel(ts: number, spanMs: number): string {
  const iso = new Date(ts).toISOString();
  return spanMs < 3 * 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

function emptyChart(label: string, width: number, height: number, message: string): string {
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" xmlns="http://www.w3.org/2000/svg">` +
    `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="muted">${esc(message)}</text></svg>`
  );
}

/** A time-series chart of one or more series over the same timestamps. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 960;
  const height = o.height ?? 300;
  const n = o.ts.length;
  if (n === 0 || o.series.length === 0) return emptyChart(o.label, width, height, 'no samples');
  const t0 = o.ts[0]!;
  const t1 = o.ts[n - 1]!;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of o.series) {
    for (const v of s.values) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (o.area) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (!(hi > lo)) {
    const d = Math.abs(hi) * 0.01 || 1;
    lo -= d;
    hi += d;
  }
  const pad = (hi - lo) * 0.04;
  if (!o.area || lo < 0) lo -= pad;
  if (!o.area || hi > 0) hi += pad;
  const iw = width - PAD.left - PAD.right;
  const ih = height - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + (t1 > t0 ? ((t - t0) / (t1 - t0)) * iw : iw / 2);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * ih;

  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(o.label)}" xmlns="http://www.w3.org/2000/svg">`);
  for (const v of niceTicks(lo, hi, 5)) {
    const yy = n2(y(v));
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="axis" x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(o.yFormat(v))}</text>`);
  }
  const xt = Math.min(6, n);
  for (let k = 0; k < xt; k++) {
    const t = xt === 1 ? t0 : t0 + ((t1 - t0) * k) / (xt - 1);
    const xx = n2(x(t));
    parts.push(`<text class="axis" x="${xx}" y="${height - 8}" text-anchor="${k === 0 ? 'start' : k === xt - 1 ? 'end' : 'middle'}">${esc(dateLabel(t, t1 - t0))}</text>`);
  }
  const buckets = Math.max(1, Math.floor(iw));
  o.series.forEach((s, si) => {
    const idx = decimate(o.ts, s.values, buckets);
    const pts = idx.map((i) => `${n2(x(o.ts[i]!))},${n2(y(s.values[i]!))}`);
    if (o.area && si === 0) {
      const y0 = n2(y(0));
      parts.push(`<polygon class="area" style="fill:${s.color}" points="${n2(x(o.ts[idx[0]!]!))},${y0} ${pts.join(' ')} ${n2(x(o.ts[idx[idx.length - 1]!]!))},${y0}"/>`);
    }
    parts.push(`<polyline class="line" style="stroke:${s.color}" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`);
  });
  const base = n2(y(o.area ? 0 : lo));
  parts.push(`<line class="axisline" x1="${PAD.left}" x2="${width - PAD.right}" y1="${base}" y2="${base}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

/**
 * Equal-width bins [lo, hi) of a round width (1, 2 or 5 x 10^k) over `values`, at most `maxBins` + 2,
 * with zero on a bin edge (so a bin holds only losses or only results >= 0).
 */
export function histogram(values: readonly number[], maxBins = 30): HistogramBin[] {
  if (values.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const w = niceStep(hi > lo ? (hi - lo) / maxBins : Math.abs(hi) / 5 || 1);
  const start = Math.floor(lo / w) * w;
  const bins = Math.floor((hi - start) / w) + 1;
  const out: HistogramBin[] = Array.from({ length: bins }, (_, i) => ({ lo: start + i * w, hi: start + (i + 1) * w, count: 0 }));
  for (const v of values) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v - start) / w)));
    out[i]!.count++;
  }
  return out;
}

export interface HistogramChartOptions {
  bins: readonly HistogramBin[];
  xFormat: (v: number) => string;
  label: string;
  width?: number;
  height?: number;
}

/** Bars of a histogram: wins green, losses red. */
export function histogramChart(o: HistogramChartOptions): string {
  const width = o.width ?? 960;
  const height = o.height ?? 260;
  if (o.bins.length === 0) return emptyChart(o.label, width, height, 'no trades');
  const iw = width - PAD.left - PAD.right;
  const ih = height - PAD.top - PAD.bottom;
  const maxCount = Math.max(...o.bins.map((b) => b.count), 1);
  const bw = iw / o.bins.length;
  const y = (c: number) => PAD.top + (1 - c / maxCount) * ih;
  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(o.label)}" xmlns="http://www.w3.org/2000/svg">`);
  for (const c of niceTicks(0, maxCount, 4).filter((v) => Number.isInteger(v))) {
    const yy = n2(y(c));
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="axis" x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${c}</text>`);
  }
  const labelEvery = Math.max(1, Math.ceil(o.bins.length / 8));
  o.bins.forEach((b, i) => {
    const x0 = PAD.left + i * bw;
    const cls = b.hi <= 0 ? 'bar loss' : 'bar win';
    const yy = y(b.count);
    parts.push(
      `<rect class="${cls}" x="${n2(x0 + 1)}" y="${n2(yy)}" width="${n2(Math.max(1, bw - 2))}" height="${n2(PAD.top + ih - yy)}" data-bin-lo="${b.lo}" data-bin-hi="${b.hi}" data-count="${b.count}">` +
        `<title>${esc(`${o.xFormat(b.lo)} to ${o.xFormat(b.hi)}: ${b.count}`)}</title></rect>`,
    );
    if (i % labelEvery === 0) parts.push(`<text class="axis" x="${n2(x0)}" y="${height - 8}" text-anchor="middle">${esc(o.xFormat(b.lo))}</text>`);
  });
  parts.push(`<line class="axisline" x1="${PAD.left}" x2="${width - PAD.right}" y1="${n2(PAD.top + ih)}" y2="${n2(PAD.top + ih)}"/>`);
  parts.push('</svg>');
  return parts.join('');
}
