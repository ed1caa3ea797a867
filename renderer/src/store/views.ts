/**
 * The engine's views in the store: keyed views (positions, orders, quotes) as Maps, singletons as
 * plain records, each with the `seq` it stands at. Pure functions of (state, frames) -> state:
 *
 *  - a `view.snapshot` sets a view whole at its seq;
 *  - a `view.patch` with seq = current + 1 applies on top; an older one is dropped (already in the
 *    snapshot); a gap (seq > current + 1) marks the view `gap` so that the binder resubscribes;
 *  - a changed keyed view gets a NEW Map (never mutated in place), so selectors and React see the
 *    change by identity; unchanged views keep their identity.
 */
import type { AccountDto, OrderDto, PatchOp, PositionDto, QuoteDto, RiskDto, ViewName } from '../../../engine/protocol/contract';

export interface EngineView {
  tradingState: 'ACTIVE' | 'REDUCING' | 'HALTED' | 'RECONCILING';
  source: string;
  lastEventId: number;
}

export interface ViewsState {
  positions: ReadonlyMap<string, PositionDto>;
  orders: ReadonlyMap<string, OrderDto>;
  quotes: ReadonlyMap<string, QuoteDto>;
  account: AccountDto | null;
  risk: RiskDto | null;
  engine: EngineView | null;
  seq: Readonly<Record<ViewName, number>>;
  /** Views whose patches skipped a seq: their data is unreliable until resubscribed. */
  gaps: readonly ViewName[];
}

export type ViewFrame = { kind: 'snapshot'; view: ViewName; seq: number; data: unknown } | { kind: 'patch'; view: ViewName; seq: number; ops: readonly PatchOp[] };

export const ALL_VIEWS: readonly ViewName[] = ['positions', 'orders', 'account', 'risk', 'engine', 'quotes'];

export function emptyViews(): ViewsState {
  return {
    positions: new Map(),
    orders: new Map(),
    quotes: new Map(),
    account: null,
    risk: null,
    engine: null,
    seq: { positions: -1, orders: -1, account: -1, risk: -1, engine: -1, quotes: -1 },
    gaps: [],
  };
}

type KeyedName = 'positions' | 'orders' | 'quotes';
const isKeyed = (v: ViewName): v is KeyedName => v === 'positions' || v === 'orders' || v === 'quotes';

/** Applies a batch of frames (in arrival order); returns the same object when nothing changed. */
export function applyViewFrames(state: ViewsState, frames: readonly ViewFrame[]): ViewsState {
  if (frames.length === 0) return state;
  const seq: Record<ViewName, number> = { ...state.seq };
  const gaps = new Set(state.gaps);
  // Working copies, made on first write per view.
  const keyed: Partial<Record<KeyedName, Map<string, unknown>>> = {};
  const single: Partial<Record<'account' | 'risk' | 'engine', unknown>> = {};
  let changed = false;

  const working = (v: KeyedName): Map<string, unknown> => (keyed[v] ??= new Map(state[v] as ReadonlyMap<string, unknown>));

  for (const f of frames) {
    if (f.kind === 'snapshot') {
      seq[f.view] = f.seq;
      gaps.delete(f.view);
      changed = true;
      if (isKeyed(f.view)) keyed[f.view] = new Map(Object.entries((f.data ?? {}) as Record<string, unknown>));
      else single[f.view] = f.data;
      continue;
    }
    if (seq[f.view] < 0 || f.seq <= seq[f.view]) continue;
    if (f.seq !== seq[f.view] + 1) {
      gaps.add(f.view);
      changed = true;
      continue;
    }
    seq[f.view] = f.seq;
    changed = true;
    if (isKeyed(f.view)) {
      const m = working(f.view);
      for (const op of f.ops) {
        if (op.op === 'upsert') m.set(op.key, op.value);
        else if (op.op === 'remove') m.delete(op.key);
      }
    } else {
      for (const op of f.ops) if (op.op === 'replace') single[f.view] = op.value;
    }
  }
  if (!changed) return state;
  return {
    positions: (keyed.positions as ReadonlyMap<string, PositionDto> | undefined) ?? state.positions,
    orders: (keyed.orders as ReadonlyMap<string, OrderDto> | undefined) ?? state.orders,
    quotes: (keyed.quotes as ReadonlyMap<string, QuoteDto> | undefined) ?? state.quotes,
    account: 'account' in single ? (single.account as AccountDto) : state.account,
    risk: 'risk' in single ? (single.risk as RiskDto) : state.risk,
    engine: 'engine' in single ? (single.engine as EngineView) : state.engine,
    seq,
    gaps: gaps.size === state.gaps.length && [...gaps].every((g) => state.gaps.includes(g)) ? state.gaps : [...gaps],
  };
}
