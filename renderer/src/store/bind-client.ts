/**
 * Connects a ProtocolClient to the store: subscribes to every view, loads the engine's status,
 * instruments and fills, and turns pushes into store actions. View frames go through a Coalescer, so
 * the store changes at most 20 times a second however fast patches come (the engine already
 * coalesces per view; this bounds the sum over views and makes one render per batch). A view whose
 * patches skip a seq is resubscribed (a fresh snapshot). Fills are re-read after a batch that changed
 * orders or positions (at most once a second). Returns the unbinder.
 */
import type { ProtocolClient } from '../../../engine/protocol/client';
import { ProtocolError } from '../../../engine/protocol/client';
import type { ViewName } from '../../../engine/protocol/contract';
import type { AppStore, CodedError } from './app-store';
import { Coalescer, browserTimer, type CoalescerTimer } from './coalescer';
import { ALL_VIEWS, type ViewFrame } from './views';

export function codedError(e: unknown): CodedError {
  if (e instanceof ProtocolError) return { code: e.code, message: e.message };
  return { code: 'ui.error', message: e instanceof Error ? e.message : String(e) };
}

export function bindClient(client: ProtocolClient, store: AppStore, timer: CoalescerTimer = browserTimer): () => void {
  const st = () => store.getState();
  const report = (what: string) => (e: unknown) => {
    const err = codedError(e);
    st().pushAlert({ level: 'warning', code: err.code, message: `${what}: ${err.message}`, ts: Date.now() });
  };

  let fillsDue = false;
  let cancelFills: (() => void) | null = null;
  const refreshFills = () => {
    if (cancelFills) {
      fillsDue = true;
      return;
    }
    client.request('fills.list', { limit: 200 }).then((r) => st().setFills(r.fills), report('fills'));
    cancelFills = timer.after(1000, () => {
      cancelFills = null;
      if (fillsDue) {
        fillsDue = false;
        refreshFills();
      }
    });
  };

  const resubscribing = new Set<ViewName>();
  const coalescer = new Coalescer<ViewFrame>((batch) => {
    st().applyFrames(batch);
    if (batch.some((f) => f.view === 'orders' || f.view === 'positions')) refreshFills();
    const gaps = st().views.gaps.filter((v) => !resubscribing.has(v));
    if (gaps.length > 0) {
      for (const v of gaps) resubscribing.add(v);
      client
        .request('views.unsubscribe', { views: gaps })
        .then(() => client.request('views.subscribe', { views: gaps }))
        .catch(report('resubscribe'))
        .finally(() => gaps.forEach((v) => resubscribing.delete(v)));
    }
  }, timer);

  const offs = [
    client.on('view.snapshot', (s) => coalescer.push({ kind: 'snapshot', view: s.view, seq: s.seq, data: s.data })),
    client.on('view.patch', (p) => coalescer.push({ kind: 'patch', view: p.view, seq: p.seq, ops: p.ops })),
    client.on('alert', (a) => st().pushAlert(a)),
    client.on('engine.state', (e) => {
      st().pushAlert({ level: e.to === 'HALTED' ? 'critical' : 'info', code: `engine.state.${e.to.toLowerCase()}`, message: `trading ${e.from} → ${e.to} (${e.source}): ${e.reason}`, ts: e.ts });
      client.request('engine.status', {}).then((s) => st().setStatus(s), report('status'));
    }),
    client.on('flatten.completed', (f) => {
      st().setFlatten({ phase: 'done', report: f.report });
      refreshFills();
    }),
    client.on('backtest.progress', (p) => st().setBacktest({ progress: p })),
    client.onClose((reason) => {
      coalescer.flush();
      st().setConnection({ status: 'closed', error: { code: 'protocol.closed', message: reason } });
    }),
  ];

  void (async () => {
    try {
      const [status, instruments] = await Promise.all([client.request('engine.status', {}), client.request('market.instruments', {})]);
      st().setStatus(status);
      st().setInstruments(instruments.instruments);
      if (status.flattening) st().setFlatten({ phase: 'running' });
      const layout = st().layout;
      if (layout.instrumentId === null || !instruments.instruments.some((i) => i.id === layout.instrumentId)) {
        st().setLayout({ instrumentId: instruments.instruments[0]?.id ?? null });
      }
      await client.request('views.subscribe', { views: [...ALL_VIEWS] });
      refreshFills();
    } catch (e) {
      report('loading the engine state')(e);
    }
  })();

  return () => {
    for (const off of offs) off();
    coalescer.dispose();
    cancelFills?.();
  };
}
