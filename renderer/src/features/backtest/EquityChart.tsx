/** A backtest's equity curve (lightweight-charts line series). */
import { useEffect, useRef } from 'react';
import { ColorType, createChart, LineSeries, type Time, type UTCTimestamp } from 'lightweight-charts';
import { CHART_THEME } from '../chart/chart-controller';

export function EquityChart({ ts, equity }: { ts: readonly number[]; equity: readonly number[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const chart = createChart(el.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: CHART_THEME.background }, textColor: CHART_THEME.text, attributionLogo: false },
      grid: { vertLines: { color: CHART_THEME.grid }, horzLines: { color: CHART_THEME.grid } },
      timeScale: { timeVisible: true },
    });
    const line = chart.addSeries(LineSeries, { color: '#4aa3ff', lineWidth: 2 });
    const pts: { time: Time; value: number }[] = [];
    let lastT = -1;
    for (let i = 0; i < ts.length; i++) {
      const t = Math.floor(ts[i]! / 1000);
      if (t <= lastT) continue;
      lastT = t;
      pts.push({ time: t as UTCTimestamp, value: equity[i]! });
    }
    line.setData(pts);
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [ts, equity]);
  return <div className="equity-chart" ref={el} data-testid="equity-chart" data-points={ts.length} />;
}
