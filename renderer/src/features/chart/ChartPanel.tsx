/**
 * The chart view: timeframe and EMA controls (React), the chart itself (ChartController, outside
 * React). Bars load with `market.bars` on instrument / timeframe change; quotes reach the chart
 * through a direct store subscription (no React render per quote); price lines follow the orders and
 * positions views, markers follow the fills.
 */
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AppState } from '../../store/app-store';
import { useApp, useAppStore, useClient } from '../../store/hooks';
import { TIMEFRAMES } from '../../store/layout';
import { ErrorText } from '../../ui/ErrorText';
import { codedError } from '../../store/bind-client';
import type { CodedError } from '../../store/app-store';
import { ChartController, type PriceLineSpec, type TradeMarker } from './chart-controller';

export function priceLinesFor(s: AppState, instrumentId: string): PriceLineSpec[] {
  const out: PriceLineSpec[] = [];
  for (const o of s.views.orders.values()) {
    if (o.instrumentId !== instrumentId || ['DENIED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'].includes(o.status)) continue;
    const px = o.triggerPrice ?? o.price;
    if (px === null) continue;
    const title = o.role === 'STOP_LOSS' ? 'SL' : o.role === 'TAKE_PROFIT' ? 'TP' : `${o.side} ${o.type}`;
    const color = o.role === 'STOP_LOSS' ? '#ef5350' : o.role === 'TAKE_PROFIT' ? '#26a69a' : '#e0b341';
    out.push({ id: o.clientOrderId, price: Number(px), title, color, style: o.role === 'ENTRY' ? 'dotted' : 'dashed' });
  }
  const p = s.views.positions.get(instrumentId);
  if (p) out.push({ id: `pos:${instrumentId}`, price: Number(p.avgPx), title: `POS ${p.qty}`, color: '#4aa3ff', style: 'solid' });
  return out;
}

export function ChartPanel() {
  const store = useAppStore();
  const client = useClient();
  const { instrumentId, timeframeMs, emas, setLayout } = useApp(
    useShallow((s) => ({ instrumentId: s.layout.instrumentId, timeframeMs: s.layout.timeframeMs, emas: s.layout.emas, setLayout: s.setLayout })),
  );
  const baseMs = useApp((s) => (instrumentId ? (s.views.quotes.get(instrumentId)?.bar?.durationMs ?? null) : null));
  const el = useRef<HTMLDivElement>(null);
  const ctl = useRef<ChartController | null>(null);
  const [error, setError] = useState<CodedError | null>(null);
  const [emaText, setEmaText] = useState(emas.join(','));

  useEffect(() => {
    if (!el.current) return;
    const c = new ChartController(el.current);
    ctl.current = c;
    return () => {
      c.dispose();
      ctl.current = null;
    };
  }, []);

  // History, then live quotes, price lines and markers for this instrument and timeframe.
  useEffect(() => {
    const c = ctl.current;
    if (!c || !client || !instrumentId) return;
    let live = true;
    const unsubs: (() => void)[] = [];
    client
      .request('market.bars', { instrumentId, timeframeMs, limit: 5000 })
      .then((r) => {
        if (!live) return;
        setError(null);
        c.setBars(r.bars, timeframeMs, emas);
        const q = store.getState().views.quotes.get(instrumentId);
        if (q) c.onQuote(q);
        unsubs.push(
          store.subscribe((s, prev) => {
            const nq = s.views.quotes.get(instrumentId);
            if (nq && nq !== prev.views.quotes.get(instrumentId)) c.onQuote(nq);
            if (s.views.orders !== prev.views.orders || s.views.positions !== prev.views.positions) c.setPriceLines(priceLinesFor(s, instrumentId));
            if (s.fills !== prev.fills) c.setMarkers(markersFor(s, instrumentId));
          }),
        );
        c.setPriceLines(priceLinesFor(store.getState(), instrumentId));
        c.setMarkers(markersFor(store.getState(), instrumentId));
      })
      .catch((e: unknown) => live && setError(codedError(e)));
    return () => {
      live = false;
      for (const u of unsubs) u();
    };
  }, [client, instrumentId, timeframeMs, emas, store]);

  return (
    <section className="panel chart" aria-label="Chart">
      <div className="chart__bar">
        <strong>{instrumentId ?? '—'}</strong>
        <div className="seg" role="group" aria-label="Timeframe">
          {TIMEFRAMES.map((t) => (
            <button
              key={t.ms}
              type="button"
              className={t.ms === timeframeMs ? 'on' : ''}
              aria-pressed={t.ms === timeframeMs}
              disabled={baseMs !== null && t.ms % baseMs !== 0}
              onClick={() => setLayout({ timeframeMs: t.ms })}
              data-timeframe={t.label}
            >
              {t.label}
            </button>
          ))}
        </div>
        <form
          className="ema-form"
          onSubmit={(e) => {
            e.preventDefault();
            const periods = emaText.split(/[,\s]+/).filter(Boolean).map(Number);
            if (periods.length > 4 || periods.some((p) => !Number.isInteger(p) || p < 2 || p > 500)) {
              setError({ code: 'ui.invalid_ema', message: 'EMA periods: up to 4 whole numbers from 2 to 500, e.g. 20,50' });
              return;
            }
            setError(null);
            setLayout({ emas: periods });
          }}
        >
          <label>
            EMA <input aria-label="EMA periods" value={emaText} onChange={(e) => setEmaText(e.target.value)} size={8} />
          </label>
        </form>
        <ErrorText error={error} />
      </div>
      <div className="chart__canvas" ref={el} data-testid="chart" />
    </section>
  );
}

function markersFor(s: AppState, instrumentId: string): TradeMarker[] {
  return s.fills.filter((f) => f.instrumentId === instrumentId).map((f) => ({ id: f.tradeId, ts: f.ts, side: f.side, text: `${f.side === 'BUY' ? 'B' : 'S'} ${f.qty}@${f.px}` }));
}
