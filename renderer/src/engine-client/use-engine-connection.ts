/**
 * Keeps the page connected to the engine: the desktop port inside Electron, else a WebSocket with the
 * session's token (fragment or login form; checked with the engine first). A dropped connection is
 * retried with backoff (1 s doubling to 15 s); a refused token goes back to the login form.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ProtocolClient } from '../../../engine/protocol/client';
import type { DesktopApi } from '../../../electron/preload/api';
import type { AppStore, CodedError } from '../store/app-store';
import { bindClient, codedError } from '../store/bind-client';
import { connectDesktop, connectWebSocket } from './connect';
import { checkToken, forgetToken, storeToken, storedToken, takeTokenFromFragment } from './session';

export interface EngineConnection {
  client: ProtocolClient | null;
  needToken: boolean;
  loginError: CodedError | null;
  connecting: boolean;
  submitToken(token: string): void;
}

export function useEngineConnection(store: AppStore, desktop: DesktopApi | null): EngineConnection {
  const [client, setClient] = useState<ProtocolClient | null>(null);
  const [needToken, setNeedToken] = useState(false);
  const [loginError, setLoginError] = useState<CodedError | null>(null);
  const [connecting, setConnecting] = useState(false);
  const alive = useRef(true);
  const retry = useRef<{ timer: ReturnType<typeof setTimeout> | null; delay: number }>({ timer: null, delay: 1000 });

  const connect = useCallback(
    async (token: string | null) => {
      const st = store.getState();
      setConnecting(true);
      st.setConnection({ status: 'connecting', transport: desktop ? 'port' : 'websocket' });
      try {
        let c: ProtocolClient;
        if (desktop) c = await connectDesktop(window, desktop);
        else {
          if (token === null) {
            setNeedToken(true);
            st.setConnection({ status: 'idle' });
            return;
          }
          const check = await checkToken(token);
          if (!check.ok) {
            if (check.code.startsWith('auth.')) {
              forgetToken();
              setNeedToken(true);
              setLoginError(check);
              st.setConnection({ status: 'refused', error: check });
              return;
            }
            throw Object.assign(new Error(check.message), { code: check.code });
          }
          storeToken(token);
          setNeedToken(false);
          setLoginError(null);
          c = await connectWebSocket(window.location, token);
        }
        if (!alive.current) return c.close();
        retry.current.delay = 1000;
        st.resetViews();
        const unbind = bindClient(c, store);
        c.onClose(() => {
          unbind();
          setClient(null);
          if (!alive.current) return;
          const r = retry.current;
          r.timer = setTimeout(() => void connect(desktop ? null : storedToken()), r.delay);
          r.delay = Math.min(15_000, r.delay * 2);
        });
        st.setConnection({ status: 'connected', error: null });
        setClient(c);
      } catch (e) {
        const err = (e as { code?: string }).code ? { code: (e as { code: string }).code, message: (e as Error).message } : codedError(e);
        st.setConnection({ status: 'closed', error: err });
        if (!alive.current) return;
        const r = retry.current;
        r.timer = setTimeout(() => void connect(desktop ? null : storedToken()), r.delay);
        r.delay = Math.min(15_000, r.delay * 2);
      } finally {
        setConnecting(false);
      }
    },
    [desktop, store],
  );

  useEffect(() => {
    alive.current = true;
    if (desktop) void connect(null);
    else {
      const token = takeTokenFromFragment(window.location, window.history) ?? storedToken();
      if (token === null) setNeedToken(true);
      else void connect(token);
    }
    // A token pasted into the address bar of an open page arrives as a fragment change, no reload.
    const onHash = () => {
      const t = desktop ? null : takeTokenFromFragment(window.location, window.history);
      if (t === null) return;
      if (retry.current.timer !== null) clearTimeout(retry.current.timer);
      void connect(t);
    };
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('hashchange', onHash);
      alive.current = false;
      if (retry.current.timer !== null) clearTimeout(retry.current.timer);
    };
  }, [connect, desktop]);

  return {
    client,
    needToken,
    loginError,
    connecting,
    submitToken: (t) => {
      if (retry.current.timer !== null) clearTimeout(retry.current.timer);
      void connect(t);
    },
  };
}
