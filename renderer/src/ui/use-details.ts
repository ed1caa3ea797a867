/** Runs a command and keeps the refusal's `details` too (validation issues). */
import { useState } from 'react';
import { ProtocolError, type ProtocolClient } from '../../../engine/protocol/client';
import { useCommand } from './use-command';

export function useValidatedCommand() {
  const cmd = useCommand();
  const [details, setDetails] = useState<unknown>(null);
  const run = async <T,>(fn: (c: ProtocolClient) => Promise<T>) => {
    setDetails(null);
    return cmd.run(async (c) => {
      try {
        return await fn(c);
      } catch (e) {
        if (e instanceof ProtocolError) setDetails(e.details);
        throw e;
      }
    });
  };
  return { ...cmd, run, details };
}
