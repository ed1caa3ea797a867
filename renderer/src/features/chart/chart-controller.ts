/**
 * The candlestick chart, driven imperatively (no React render per update): lightweight-charts v5
 * (`createChart`, `addSeries(CandlestickSeries)`), EMA overlays (LineSeries), trade markers
 * (`createSeriesMarkers`) and price lines (`createPriceLine`) for SL / TP, working orders and the
 * position's average price.
 *
 * Live updates: `onQuote` folds a quote's price (mid of bid/ask) into the forming candle of the
 * current timeframe and calls `series.update`; a completed base bar (`quote.bar`) corrects its
 * candle's high / low / close (bars are the reference, quotes only preview them). Times are UTC
 * seconds (lightweight-charts' UTCTimestamp), candles aligned to multiples of the timeframe.
 *
 * The container carries what tests and tools can read without a canvas: `data-bars` (candles),
 * `data-last-time` and `data-last-close` (the forming candle), `data-price-lines` (titles and
 * prices, `|`-separated), `data-markers` (count), `data-overlays` (EMA lines, set once drawn: they
 * are added in the task after the candles' first frame).
 */
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  LineSeries,
  type CandlestickData,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { BarDto, BarSeriesDto, QuoteDto } from '../../../../engine/protocol/contract';
import { emaNext, emaSeries } from './indicators';

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

const sec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

export class ChartController {
  readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private emaLines: { period: number; series: ISeriesApi<'Line'>; committed: number; last: number }[] = [];
  private priceLines = new Map<string, { spec: PriceLineSpec; line: IPriceLine }>();
  private timeframeMs = 15 * 60_000;
  /** The forming (last) candle, ms time. */
  private last: { t: number; open: number; high: number; low: number; close: number } | null = null;
  private count = 0;
  private lastQuoteTs = -Infinity;
  private lastBarTs = -Infinity;
  private markerList: TradeMarker[] = [];
  private generation = 0;
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
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: CHART_THEME.up,
      downColor: CHART_THEME.down,
      borderVisible: false,
      wickUpColor: CHART_THEME.up,
      wickDownColor: CHART_THEME.down,
    });
    this.markers = createSeriesMarkers(this.candles, []);
  }

  /** Replaces the whole history (instrument or timeframe change). */
  setBars(bars: BarSeriesDto, timeframeMs: number, emaPeriods: readonly number[]): void {
    this.timeframeMs = timeframeMs;
    const n = bars.ts.length;
    const data: CandlestickData<Time>[] = new Array(n);
    for (let i = 0; i < n; i++) data[i] = { time: sec(bars.ts[i]!), open: bars.open[i]!, high: bars.high[i]!, low: bars.low[i]!, close: bars.close[i]! };
    this.candles.setData(data);
    this.count = n;
    this.last = n > 0 ? { t: bars.ts[n - 1]!, open: bars.open[n - 1]!, high: bars.high[n - 1]!, low: bars.low[n - 1]!, close: bars.close[n - 1]! } : null;
    this.lastBarTs = n > 0 ? bars.ts[n - 1]! : -Infinity;
    this.lastQuoteTs = -Infinity;
    for (const e of this.emaLines) this.chart.removeSeries(e.series);
    this.emaLines = [];
    // Overlays after the candles have painted: the first frame comes sooner and no one task does both.
    const gen = ++this.generation;
    delete this.el.dataset.overlays;
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (gen !== this.generation || this.disposed) return;
        this.addEmas(bars, emaPeriods);
        this.el.dataset.overlays = String(emaPeriods.length);
      }, 0),
    );
    this.applyMarkers();
    this.publish();
  }

  private addEmas(bars: BarSeriesDto, emaPeriods: readonly number[]): void {
    const n = bars.ts.length;
    this.emaLines = emaPeriods.map((period, i) => {
      const series = this.chart.addSeries(LineSeries, { color: EMA_COLORS[i % EMA_COLORS.length]!, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, title: `EMA ${period}` });
      const values = emaSeries(bars.close, period);
      const points: LineData<Time>[] = [];
      for (let j = 0; j < n; j++) if (values[j] === values[j]) points.push({ time: sec(bars.ts[j]!), value: values[j]! });
      // The forming candle may have moved since the history loaded: end on its live EMA.
      const committed = n > 1 ? values[n - 2]! : Number.NaN;
      let last = n > 0 ? values[n - 1]! : Number.NaN;
      if (this.last && n > 0 && this.last.t === bars.ts[n - 1] && committed === committed) {
        last = emaNext(committed, this.last.close, period);
        if (points.length > 0) points[points.length - 1] = { time: sec(this.last.t), value: last };
      }
      series.setData(points);
      return { period, series, committed, last };
    });
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
      this.count++;
    } else {
      cur.high = Math.max(cur.high, high);
      cur.low = Math.min(cur.low, low);
      cur.close = close;
    }
    const c = this.last!;
    this.candles.update({ time: sec(c.t), open: c.open, high: c.high, low: c.low, close: c.close });
    for (const e of this.emaLines) {
      if (e.committed !== e.committed) continue;
      e.last = emaNext(e.committed, c.close, e.period);
      e.series.update({ time: sec(c.t), value: e.last });
    }
    this.publish();
  }

  setPriceLines(specs: readonly PriceLineSpec[]): void {
    const next = new Map(specs.map((s) => [s.id, s]));
    for (const [id, pl] of this.priceLines) {
      const s = next.get(id);
      if (!s || s.price !== pl.spec.price || s.title !== pl.spec.title || s.color !== pl.spec.color) {
        this.candles.removePriceLine(pl.line);
        this.priceLines.delete(id);
      }
    }
    for (const s of specs) {
      if (this.priceLines.has(s.id)) continue;
      const line = this.candles.createPriceLine({
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

  private applyMarkers(): void {
    const tf = this.timeframeMs;
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
    this.markers.setMarkers(ms);
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
    this.chart.remove();
  }
}
