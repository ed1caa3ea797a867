/**
 * The renderer's state: one zustand store made of slices (zustand's slices pattern), changed only
 * through the actions here; the engine binder (bind-client.ts) calls them as frames arrive.
 *
 *   connection  transport, status, the last connection error
 *   views       the engine's views (views.ts): snapshot + patches, batched (<= 20 Hz) by the binder
 *   meta        engine.status, instruments, strategies
 *   fills       the most recent fills
 *   alerts      the `alert` pushes and the UI's own notices, newest first (at most 200)
 *   flatten     the kill switch: idle / running (report so far) / done (final report)
 *   backtest    progress per run and the results of this session
 *   layout      what the user arranged (layout.ts; persisted, no secrets)
 *
 * Keyed collections are Maps that are replaced, never mutated; components read with `useShallow`
 * selectors so that they re-render only when what they show changes.
 */
import { createStore, type StateCreator } from 'zustand/vanilla';
import type { CommandResult, FillDto, FlattenReportDto, PushData } from '../../../engine/protocol/contract';
import { DEFAULT_LAYOUT, type Layout } from './layout';
import { applyViewFrames, emptyViews, type ViewFrame, type ViewsState } from './views';

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'closed' | 'refused';
export interface CodedError {
  code: string;
  message: string;
}

export interface ConnectionSlice {
  connection: { status: ConnectionStatus; transport: 'port' | 'websocket' | null; error: CodedError | null; since: number };
  setConnection(c: Partial<ConnectionSlice['connection']>): void;
}

export interface ViewsSlice {
  views: ViewsState;
  applyFrames(frames: readonly ViewFrame[]): void;
  resetViews(): void;
}

export type InstrumentInfo = CommandResult<'market.instruments'>['instruments'][number];
export type EngineStatus = CommandResult<'engine.status'>;
export interface MetaSlice {
  status: EngineStatus | null;
  instruments: ReadonlyMap<string, InstrumentInfo>;
  setStatus(s: EngineStatus): void;
  setInstruments(list: readonly InstrumentInfo[]): void;
}

export interface FillsSlice {
  fills: readonly FillDto[];
  setFills(f: readonly FillDto[]): void;
}

export type AlertItem = PushData<'alert'> & { id: number };
export interface AlertsSlice {
  alerts: readonly AlertItem[];
  pushAlert(a: PushData<'alert'>): void;
}

export interface FlattenSlice {
  flatten: { phase: 'idle' | 'running' | 'done'; report: FlattenReportDto | null; error: CodedError | null };
  setFlatten(f: Partial<FlattenSlice['flatten']>): void;
}

export type BacktestResult = CommandResult<'backtest.run'>;
export interface BacktestSlice {
  backtest: { progress: PushData<'backtest.progress'> | null; results: readonly BacktestResult[]; running: boolean; error: CodedError | null };
  setBacktest(b: Partial<BacktestSlice['backtest']>): void;
  addBacktestResult(r: BacktestResult): void;
}

export interface LayoutSlice {
  layout: Layout;
  setLayout(p: Partial<Layout>): void;
}

export type AppState = ConnectionSlice & ViewsSlice & MetaSlice & FillsSlice & AlertsSlice & FlattenSlice & BacktestSlice & LayoutSlice;

type Slice<T> = StateCreator<AppState, [], [], T>;

const connectionSlice: Slice<ConnectionSlice> = (set) => ({
  connection: { status: 'idle', transport: null, error: null, since: 0 },
  setConnection: (c) => set((s) => ({ connection: { ...s.connection, ...c, since: c.status && c.status !== s.connection.status ? Date.now() : s.connection.since } })),
});

const viewsSlice: Slice<ViewsSlice> = (set) => ({
  views: emptyViews(),
  applyFrames: (frames) =>
    set((s) => {
      const next = applyViewFrames(s.views, frames);
      return next === s.views ? s : { views: next };
    }),
  resetViews: () => set({ views: emptyViews() }),
});

const metaSlice: Slice<MetaSlice> = (set) => ({
  status: null,
  instruments: new Map(),
  setStatus: (status) => set({ status }),
  setInstruments: (list) => set({ instruments: new Map(list.map((i) => [i.id, i])) }),
});

const fillsSlice: Slice<FillsSlice> = (set) => ({
  fills: [],
  setFills: (fills) => set({ fills }),
});

let alertIds = 0;
const alertsSlice: Slice<AlertsSlice> = (set) => ({
  alerts: [],
  pushAlert: (a) => set((s) => ({ alerts: [{ ...a, id: ++alertIds }, ...s.alerts].slice(0, 200) })),
});

const flattenSlice: Slice<FlattenSlice> = (set) => ({
  flatten: { phase: 'idle', report: null, error: null },
  setFlatten: (f) => set((s) => ({ flatten: { ...s.flatten, ...f } })),
});

const backtestSlice: Slice<BacktestSlice> = (set) => ({
  backtest: { progress: null, results: [], running: false, error: null },
  setBacktest: (b) => set((s) => ({ backtest: { ...s.backtest, ...b } })),
  addBacktestResult: (r) => set((s) => ({ backtest: { ...s.backtest, results: [r, ...s.backtest.results].slice(0, 20) } })),
});

const layoutSlice =
  (initial: Layout): Slice<LayoutSlice> =>
  (set) => ({
    layout: initial,
    setLayout: (p) => set((s) => ({ layout: { ...s.layout, ...p } })),
  });

export function createAppStore(initialLayout: Layout = DEFAULT_LAYOUT) {
  return createStore<AppState>()((...a) => ({
    ...connectionSlice(...a),
    ...viewsSlice(...a),
    ...metaSlice(...a),
    ...fillsSlice(...a),
    ...alertsSlice(...a),
    ...flattenSlice(...a),
    ...backtestSlice(...a),
    ...layoutSlice(initialLayout)(...a),
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;
