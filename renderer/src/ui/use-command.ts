/**
 * Runs engine commands from a component: `run(fn)` sets `busy`, keeps the engine's coded error
 * (`{code, message}`) for display and returns the result (undefined when it failed).
 */
import { useCallback, useState } from 'react';
import type { ProtocolClient } from '../../../engine/protocol/client';
import { codedError } from '../store/bind-client';
import type { CodedError } from '../store/app-store';
import { useClient } from '../store/hooks';

export function useCommand() {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CodedError | null>(null);
  const run = useCallback(
    async <T,>(fn: (c: ProtocolClient) => Promise<T>): Promise<T | undefined> => {
      if (!client) {
        setError({ code: 'ui.not_connected', message: 'not connected to the engine' });
        return undefined;
      }
      setBusy(true);
      setError(null);
      try {
        return await fn(client);
      } catch (e) {
        setError(codedError(e));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [client],
  );
  return { run, busy, error, setError, connected: client !== null };
}
