/**
 * The emergency liquidate control, always in the header. It needs a deliberate confirmation: hold
 * the button for HOLD_MS (release early = nothing happens), or type FLATTEN in the dialog that the
 * keyboard shortcut (Ctrl+Shift+X) opens. Then `risk.flatten` runs; the dialog shows the report as
 * it is (in progress) and the final one (the `flatten.completed` push). The engine is HALTED after
 * it; the re-arm control (ReArm) sits in the header while it is.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp, useAppStore } from '../../store/hooks';
import { codedError } from '../../store/bind-client';
import { useClient } from '../../store/hooks';
import { ErrorText } from '../../ui/ErrorText';
import { useCommand } from '../../ui/use-command';
import { FlattenReport } from './FlattenReport';
import { desktopApi } from '../../desktop';
import type { FlattenReportDto } from '../../../../engine/protocol/contract';

export const HOLD_MS = 1500;
export const CONFIRM_WORD = 'FLATTEN';
const REASON = 'emergency liquidate from the workstation';

export function KillSwitch() {
  const store = useAppStore();
  const client = useClient();
  const flatten = useApp((s) => s.flatten);
  const [holdStart, setHoldStart] = useState<number | null>(null);
  const [progress, setProgress] = useState(0);
  const [typed, setTyped] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const raf = useRef<number | null>(null);

  const fire = useCallback(async () => {
    setOpen(true);
    setTyped(null);
    const st = store.getState();
    st.setFlatten({ phase: 'running', report: null, error: null });
    const desktop = desktopApi();
    if (desktop) {
      // Inside Electron the flatten goes through main, which flattens at the venue itself when the
      // engine does not confirm in time (electron/preload/api.ts "The kill switch").
      try {
        const r = await desktop.requestFlatten(REASON);
        st.setFlatten({
          phase: 'done',
          report: r.report as unknown as FlattenReportDto,
          error: r.path === 'emergency' ? { code: r.trigger.code, message: `emergency flatten by the desktop host: ${r.trigger.message}` } : null,
        });
      } catch (e) {
        st.setFlatten({ phase: 'done', error: codedError(e) });
      }
      return;
    }
    if (!client) return st.setFlatten({ phase: 'idle', error: { code: 'ui.not_connected', message: 'not connected to the engine' } });
    try {
      const r = await client.request('risk.flatten', { reason: REASON }, { timeoutMs: 30_000 });
      // The push may have finished it already; never go back from done.
      if (store.getState().flatten.phase !== 'done') st.setFlatten(r.done ? { phase: 'done', report: r.report } : { report: r.report });
    } catch (e) {
      st.setFlatten({ phase: 'done', error: codedError(e) });
    }
    // (In the desktop app no client is needed: main can flatten while the engine port is down.)
  }, [client, store]);

  useEffect(() => {
    if (holdStart === null) return;
    const tick = () => {
      const p = Math.min(1, (performance.now() - holdStart) / HOLD_MS);
      setProgress(p);
      if (p >= 1) {
        setHoldStart(null);
        setProgress(0);
        void fire();
        return;
      }
      raf.current = requestAnimationFrame(tick);
    };
    raf.current = requestAnimationFrame(tick);
    return () => {
      if (raf.current !== null) cancelAnimationFrame(raf.current);
    };
  }, [holdStart, fire]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && e.shiftKey && (e.key === 'X' || e.key === 'x')) {
        e.preventDefault();
        setTyped('');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const release = () => {
    setHoldStart(null);
    setProgress(0);
  };

  return (
    <>
      <button
        type="button"
        className="kill"
        data-testid="kill-switch"
        aria-label={`Emergency liquidate: hold for ${HOLD_MS / 1000} seconds, or press Ctrl+Shift+X`}
        title="Hold to flatten everything and halt (Ctrl+Shift+X: typed confirmation)"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          setHoldStart(performance.now());
        }}
        onPointerUp={release}
        onPointerCancel={release}
        onPointerLeave={release}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            setTyped('');
          }
        }}
      >
        <span className="kill__fill" style={{ width: `${progress * 100}%` }} />
        <span className="kill__text">{holdStart !== null ? 'HOLD…' : 'EMERGENCY LIQUIDATE'}</span>
      </button>
      {typed !== null ? (
        <div className="modal" role="dialog" aria-modal="true" aria-label="Confirm emergency liquidate">
          <form
            className="modal__box"
            onSubmit={(e) => {
              e.preventDefault();
              if (typed === CONFIRM_WORD) void fire();
            }}
          >
            <h2>Emergency liquidate</h2>
            <p>Cancels every order, closes every position and halts trading. Type <code>{CONFIRM_WORD}</code> to confirm.</p>
            <input autoFocus aria-label="confirmation" data-testid="flatten-confirm-input" value={typed} onChange={(e) => setTyped(e.target.value)} />
            <div className="row">
              <button type="submit" className="danger" disabled={typed !== CONFIRM_WORD} data-testid="flatten-confirm">
                Flatten everything
              </button>
              <button type="button" onClick={() => setTyped(null)}>
                Cancel
              </button>
            </div>
          </form>
        </div>
      ) : null}
      {open && flatten.phase !== 'idle' ? (
        <div className="modal" role="dialog" aria-modal="true" aria-label="Flatten report">
          <div className="modal__box modal__box--wide" data-testid="flatten-dialog" data-phase={flatten.phase}>
            <h2>{flatten.phase === 'running' ? 'Flattening…' : 'Flatten finished'}</h2>
            <ErrorText error={flatten.error} testId="flatten-error" />
            {flatten.report ? <FlattenReport report={flatten.report} /> : <p className="muted">sending the flatten to the engine…</p>}
            <div className="row">
              <button type="button" onClick={() => setOpen(false)} data-testid="flatten-dialog-close">
                Close
              </button>
            </div>
          </div>
        </div>
      ) : null}
    </>
  );
}

/** Shown while HALTED: re-arms trading (the engine refuses with a code when it cannot). */
export function ReArm() {
  const { halted } = useApp(useShallow((s) => ({ halted: (s.views.engine?.tradingState ?? s.status?.tradingState) === 'HALTED' })));
  const store = useAppStore();
  const { run, busy, error } = useCommand();
  if (!halted) return null;
  return (
    <span className="rearm">
      <button
        type="button"
        data-testid="rearm"
        disabled={busy}
        onClick={() =>
          void run(async (c) => {
            await c.request('risk.rearm', {});
            store.getState().setFlatten({ phase: 'idle', report: store.getState().flatten.report, error: null });
          })
        }
      >
        Re-arm trading
      </button>
      <ErrorText error={error} />
    </span>
  );
}
