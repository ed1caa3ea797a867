/**
 * The workstation's layout and view preferences, persisted in localStorage (`tw.layout.v1`). Holds
 * no secrets and nothing from the engine: only what the user arranged. A stored value that does not
 * read back is replaced by the defaults field by field (never throws at start).
 */
export const TIMEFRAMES = [
  { label: '15m', ms: 15 * 60_000 },
  { label: '1h', ms: 3_600_000 },
  { label: '4h', ms: 4 * 3_600_000 },
  { label: '1D', ms: 86_400_000 },
] as const;

export const BOTTOM_TABS = ['positions', 'orders', 'fills', 'strategies', 'backtests', 'config', 'alerts'] as const;
export type BottomTab = (typeof BOTTOM_TABS)[number];

export interface Layout {
  instrumentId: string | null;
  timeframeMs: number;
  /** EMA overlay periods (empty: none). */
  emas: number[];
  bottomTab: BottomTab;
  oneClick: boolean;
  /** Right column width, px. */
  sideWidth: number;
  /** Bottom panel height, px. */
  bottomHeight: number;
}

export const LAYOUT_KEY = 'tw.layout.v1';

export const DEFAULT_LAYOUT: Layout = {
  instrumentId: null,
  timeframeMs: 15 * 60_000,
  emas: [20, 50],
  bottomTab: 'positions',
  oneClick: false,
  sideWidth: 340,
  bottomHeight: 260,
};

const num = (v: unknown, min: number, max: number, dflt: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : dflt);

export function readLayout(text: string | null): Layout {
  let raw: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (typeof parsed === 'object' && parsed !== null) raw = parsed as Record<string, unknown>;
  } catch {
    raw = {};
  }
  const d = DEFAULT_LAYOUT;
  return {
    instrumentId: typeof raw.instrumentId === 'string' ? raw.instrumentId : d.instrumentId,
    timeframeMs: TIMEFRAMES.some((t) => t.ms === raw.timeframeMs) ? (raw.timeframeMs as number) : d.timeframeMs,
    emas: Array.isArray(raw.emas) && raw.emas.every((p) => Number.isInteger(p) && (p as number) >= 2 && (p as number) <= 500) ? (raw.emas as number[]).slice(0, 4) : d.emas,
    bottomTab: BOTTOM_TABS.includes(raw.bottomTab as BottomTab) ? (raw.bottomTab as BottomTab) : d.bottomTab,
    oneClick: typeof raw.oneClick === 'boolean' ? raw.oneClick : d.oneClick,
    sideWidth: num(raw.sideWidth, 260, 700, d.sideWidth),
    bottomHeight: num(raw.bottomHeight, 120, 700, d.bottomHeight),
  };
}

export function writeLayout(storage: { setItem(key: string, value: string): void }, layout: Layout): void {
  try {
    storage.setItem(LAYOUT_KEY, JSON.stringify(layout));
  } catch {
    // Storage full or disabled: the layout still works for this session.
  }
}
