/**
 * The candlestick chart, driven imperatively (no React render per update): lightweight-charts v5
 * (`createChart`, `addSeries(CandlestickSeries)`), EMA overlays (LineSeries), trade markers
 * (`createSeriesMarkers`) and price lines (`createPriceLine`) for SL / TP, working orders and the
 * position's average price.
 *
 * Two series per plot, drawn alike: `history` holds the loaded bars but the last, `live` the forming
 * candle and those formed since (the same for each EMA: a history line and a live line that starts
 * on the history's last point, so the line is unbroken). lightweight-charts redoes per-bar work over
 * a WHOLE series when any of its bars changes (its pane view rebuilds one item per bar at the next
 * paint, the markers plugin re-reads the series' data); live updates only ever touch the small live
 * series, so a quote costs the same on 100,000 bars as on 100.
 *
 * Loading a history (`setBars`) is split so that the first frame comes fast whatever its length:
 * the last FIRST_WINDOW bars of the history series (series-data.ts; what is on screen at load) and
 * its EMAs (computed over the whole history: a typed-array pass, a few ms per 100,000 bars) are set
 * at once; the whole history follows in idle slices after that first frame, one series per slice
 * (candles, then each EMA line), built in one pass into preallocated arrays. The live series are
 * complete from the start, so quotes during the load need nothing special. Prepending keeps the view
 * where it is (lightweight-charts anchors the time scale to the last bar). Short histories (at most
 * twice the window) load in one go.
 *
 * Live updates: `onQuote` folds a quote's price (mid of bid/ask) into the forming candle of the
 * current timeframe and calls `series.update`; a completed base bar (`quote.bar`) corrects its
 * candle's high / low / close (bars are the reference, quotes only preview them). Times are UTC
 * seconds (lightweight-charts' UTCTimestamp), candles aligned to multiples of the timeframe.
 *
 * Markers go to the series holding their candle (a marker snaps to its own series' bars).
 *
 * Left to lightweight-charts: a NEW candle adds a point to the time scale, and its data layer then
 * re-sets every series (so a 100,000-bar history costs one frame of about 100-200 ms per new candle,
 * once per timeframe; updates within a candle cost the live series only).
 *
 * The container carries what tests and tools can read without a canvas: `data-bars` (candles),
 * `data-history` (`partial` while the bars before the window are loading, then `full`),
 * `data-last-time` and `data-last-close` (the forming candle), `data-price-lines` (titles and
 * prices, `|`-separated), `data-markers` (count), `data-overlays` (EMA lines drawn).
 */
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  LineSeries,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
} from 'lightweight-charts';
import type { BarDto, BarSeriesDto, QuoteDto } from '../../../../engine/protocol/contract';
import { emaNext, emaSeries } from './indicators';
import { candleData, historyWindow, linePoints, sec } from './series-data';

export interface PriceLineSpec {
  id: string;
  price: number;
  title: string;
  color: string;
  style: 'solid' | 'dashed' | 'dotted';
}

export interface TradeMarker {
  id: string;
  ts: number;
  side: 'BUY' | 'SELL';
  text: string;
}

const EMA_COLORS = ['#e0b341', '#4aa3ff', '#c678dd', '#56b6c2'];

export const CHART_THEME = {
  background: '#0f1216',
  text: '#8b96a3',
  grid: '#1c222b',
  up: '#26a69a',
  down: '#ef5350',
};

/** A history whose bars before `from` are not in the history series yet. */
interface PendingHistory {
  bars: BarSeriesDto;
  from: number;
  /** End (exclusive) of the history series' bars: all but the last. */
  to: number;
  /** Per EMA line (same order as emaLines): its values over all the bars. */
  values: Float64Array[];
}

interface EmaLine {
  period: number;
  history: ISeriesApi<'Line'>;
  live: ISeriesApi<'Line'>;
  /** EMA at the last completed candle, and at the forming one. */
  committed: number;
  last: number;
}

/**
 * Runs `step` in an idle slice after the next frame (requestIdleCallback with a timeout, so that a
 * busy page still gets it; setTimeout where there is no requestIdleCallback). Returns a canceller.
 */
function afterNextFrame(step: () => void): () => void {
  let idle: number | null = null;
  let timeout: ReturnType<typeof setTimeout> | null = null;
  const raf = requestAnimationFrame(() => {
    if (typeof requestIdleCallback === 'function') idle = requestIdleCallback(step, { timeout: 250 });
    else timeout = setTimeout(step, 0);
  });
  return () => {
    cancelAnimationFrame(raf);
    if (idle !== null) cancelIdleCallback(idle);
    if (timeout !== null) clearTimeout(timeout);
  };
}

export class ChartController {
  readonly chart: IChartApi;
  private readonly history: ISeriesApi<'Candlestick'>;
  private readonly live: ISeriesApi<'Candlestick'>;
  /**
   * Markers plugin of the history series, only while it has markers: the plugin re-reads all of its
   * series' bars after every data change, markers or not.
   */
  private historyMarkers: ISeriesMarkersPluginApi<Time> | null = null;
  private readonly liveMarkers: ISeriesMarkersPluginApi<Time>;
  /** Marker ids and times last given to the history plugin. */
  private historyMarkersKey = '';
  private emaLines: EmaLine[] = [];
  /** The history still loading (null once the history series hold all of it). */
  private pending: PendingHistory | null = null;
  private cancelPending: (() => void) | null = null;
  private historyWaiters: (() => void)[] = [];
  private priceLines = new Map<string, { spec: PriceLineSpec; line: IPriceLine }>();
  private timeframeMs = 15 * 60_000;
  /** The forming (last) candle, ms time. */
  private last: { t: number; open: number; high: number; low: number; close: number } | null = null;
  /** Time (ms) of the first candle of the live series; null while it is empty. */
  private liveFrom: number | null = null;
  private count = 0;
  private lastQuoteTs = -Infinity;
  private lastBarTs = -Infinity;
  private markerList: TradeMarker[] = [];
  private disposed = false;

  constructor(private readonly el: HTMLElement) {
    this.chart = createChart(el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: CHART_THEME.background }, textColor: CHART_THEME.text, attributionLogo: false },
      grid: { vertLines: { color: CHART_THEME.grid }, horzLines: { color: CHART_THEME.grid } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: CHART_THEME.grid },
      rightPriceScale: { borderColor: CHART_THEME.grid },
      crosshair: { mode: 0 },
    });
    const style = { upColor: CHART_THEME.up, downColor: CHART_THEME.down, borderVisible: false, wickUpColor: CHART_THEME.up, wickDownColor: CHART_THEME.down };
    // The live series carries the last-price label and line; the history series none.
    this.history = this.chart.addSeries(CandlestickSeries, { ...style, lastValueVisible: false, priceLineVisible: false });
    this.live = this.chart.addSeries(CandlestickSeries, style);
    this.liveMarkers = createSeriesMarkers(this.live, []);
  }

  /**
   * Replaces the whole history (instrument or timeframe change): the window's candles and EMAs now,
   * the bars before it in idle slices after the first frame.
   */
  setBars(bars: BarSeriesDto, timeframeMs: number, emaPeriods: readonly number[]): void {
    this.stopPending();
    this.timeframeMs = timeframeMs;
    const n = bars.ts.length;
    const to = Math.max(0, n - 1);
    const from = historyWindow(to);
    this.history.setData(candleData(bars, from, to));
    this.live.setData(candleData(bars, to, n));
    this.liveFrom = n > 0 ? bars.ts[n - 1]! : null;
    this.count = n;
    this.last = n > 0 ? { t: bars.ts[n - 1]!, open: bars.open[n - 1]!, high: bars.high[n - 1]!, low: bars.low[n - 1]!, close: bars.close[n - 1]! } : null;
    this.lastBarTs = n > 0 ? bars.ts[n - 1]! : -Infinity;
    this.lastQuoteTs = -Infinity;
    for (const e of this.emaLines) {
      this.chart.removeSeries(e.history);
      this.chart.removeSeries(e.live);
    }
    const values: Float64Array[] = [];
    this.emaLines = emaPeriods.map((period, i) => {
      const options = { color: EMA_COLORS[i % EMA_COLORS.length]!, lineWidth: 1 as const, priceLineVisible: false, lastValueVisible: false };
      const v = emaSeries(bars.close, period);
      const history = this.chart.addSeries(LineSeries, options);
      // The title (an axis label at the line's last value) on the live line only.
      const live = this.chart.addSeries(LineSeries, { ...options, title: `EMA ${period}` });
      history.setData(linePoints(bars.ts, v, from, to));
      // From the history's last point on, so that the two lines join.
      live.setData(linePoints(bars.ts, v, Math.max(0, to - 1), n));
      values.push(v);
      return { period, history, live, committed: n > 1 ? v[n - 2]! : Number.NaN, last: n > 0 ? v[n - 1]! : Number.NaN };
    });
    this.el.dataset.overlays = String(emaPeriods.length);
    if (from > 0) {
      this.pending = { bars, from, to, values };
      this.el.dataset.history = 'partial';
      this.schedule(0);
    } else {
      this.el.dataset.history = 'full';
      this.resolveHistory();
    }
    this.applyMarkers();
    this.publish();
  }

  /** Resolves once the series hold the whole history last given to setBars (or it was replaced). */
  historyLoaded(): Promise<void> {
    if (this.pending === null) return Promise.resolve();
    return new Promise((resolve) => this.historyWaiters.push(resolve));
  }

  /** Candles the series hold (O(n): for tests and benchmarks). */
  heldBars(): number {
    return this.history.data().length + this.live.data().length;
  }

  /** Step k of the history load, in its own idle slice: 0 the candles, then one per EMA line. */
  private schedule(k: number): void {
    this.cancelPending = afterNextFrame(() => {
      this.cancelPending = null;
      const p = this.pending;
      if (p === null || this.disposed) return;
      if (k === 0) {
        // A history marker plugin follows its series' data by itself.
        this.history.setData(candleData(p.bars, 0, p.to));
      } else {
        this.emaLines[k - 1]!.history.setData(linePoints(p.bars.ts, p.values[k - 1]!, 0, p.to));
      }
      if (k < p.values.length) return this.schedule(k + 1);
      this.pending = null;
      this.el.dataset.history = 'full';
      this.resolveHistory();
    });
  }

  private stopPending(): void {
    this.cancelPending?.();
    this.cancelPending = null;
    this.pending = null;
    this.resolveHistory();
  }

  private resolveHistory(): void {
    const waiters = this.historyWaiters;
    this.historyWaiters = [];
    for (const w of waiters) w();
  }

  /** A quote from the `quotes` view: moves the forming candle. */
  onQuote(q: QuoteDto): void {
    if (q.bar && q.bar.ts > this.lastBarTs) {
      this.lastBarTs = q.bar.ts;
      this.foldBar(q.bar);
    }
    if (q.ts === null || q.ts <= this.lastQuoteTs) return;
    this.lastQuoteTs = q.ts;
    const px = q.bid !== null && q.ask !== null ? (Number(q.bid) + Number(q.ask)) / 2 : q.last !== null ? Number(q.last) : Number.NaN;
    if (!Number.isFinite(px)) return;
    this.fold(Math.floor(q.ts / this.timeframeMs) * this.timeframeMs, px, px, px, px);
  }

  private foldBar(b: BarDto): void {
    this.fold(Math.floor(b.ts / this.timeframeMs) * this.timeframeMs, b.open, b.high, b.low, b.close);
  }

  private fold(t: number, open: number, high: number, low: number, close: number): void {
    const cur = this.last;
    if (cur && t < cur.t) return;
    if (!cur || t > cur.t) {
      for (const e of this.emaLines) if (e.last === e.last) e.committed = e.last;
      this.last = { t, open, high, low, close };
      this.liveFrom ??= t;
      this.count++;
    } else {
      cur.high = Math.max(cur.high, high);
      cur.low = Math.min(cur.low, low);
      cur.close = close;
    }
    const c = this.last!;
    const time = sec(c.t);
    this.live.update({ time, open: c.open, high: c.high, low: c.low, close: c.close });
    for (const e of this.emaLines) {
      if (e.committed !== e.committed) continue;
      e.last = emaNext(e.committed, c.close, e.period);
      e.live.update({ time, value: e.last });
    }
    this.publish();
  }

  setPriceLines(specs: readonly PriceLineSpec[]): void {
    const next = new Map(specs.map((s) => [s.id, s]));
    for (const [id, pl] of this.priceLines) {
      const s = next.get(id);
      if (!s || s.price !== pl.spec.price || s.title !== pl.spec.title || s.color !== pl.spec.color) {
        this.live.removePriceLine(pl.line);
        this.priceLines.delete(id);
      }
    }
    for (const s of specs) {
      if (this.priceLines.has(s.id)) continue;
      const line = this.live.createPriceLine({
        price: s.price,
        color: s.color,
        lineWidth: 1,
        lineStyle: s.style === 'solid' ? 0 : s.style === 'dotted' ? 1 : 2,
        axisLabelVisible: true,
        title: s.title,
      });
      this.priceLines.set(s.id, { spec: s, line });
    }
    this.el.dataset.priceLines = [...this.priceLines.values()].map((p) => `${p.spec.title} ${p.spec.price}`).join('|');
  }

  setMarkers(list: readonly TradeMarker[]): void {
    this.markerList = [...list];
    this.applyMarkers();
  }

  /**
   * Markers before the live series' first candle go to the history series, the rest to the live
   * one; the history plugin is given its list only when that changed.
   */
  private applyMarkers(): void {
    const tf = this.timeframeMs;
    const liveFrom = this.liveFrom === null ? Infinity : sec(this.liveFrom);
    const ms: SeriesMarker<Time>[] = this.markerList
      .map((m) => ({
        time: sec(Math.floor(m.ts / tf) * tf),
        position: m.side === 'BUY' ? ('belowBar' as const) : ('aboveBar' as const),
        shape: m.side === 'BUY' ? ('arrowUp' as const) : ('arrowDown' as const),
        color: m.side === 'BUY' ? CHART_THEME.up : CHART_THEME.down,
        text: m.text,
        id: m.id,
      }))
      .sort((a, b) => (a.time as number) - (b.time as number));
    const old = ms.filter((m) => (m.time as number) < liveFrom);
    const key = old.map((m) => `${m.id}@${m.time as number}`).join(',');
    if (key !== this.historyMarkersKey) {
      this.historyMarkersKey = key;
      if (old.length === 0) {
        this.historyMarkers?.detach();
        this.historyMarkers = null;
      } else if (this.historyMarkers) this.historyMarkers.setMarkers(old);
      else this.historyMarkers = createSeriesMarkers(this.history, old);
    }
    this.liveMarkers.setMarkers(ms.slice(old.length));
    this.el.dataset.markers = String(ms.length);
  }

  private publish(): void {
    this.el.dataset.bars = String(this.count);
    if (this.last) {
      this.el.dataset.lastTime = String(this.last.t);
      this.el.dataset.lastClose = String(this.last.close);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stopPending();
    this.chart.remove();
  }
}
