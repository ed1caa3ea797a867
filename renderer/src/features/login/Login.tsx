/** The token form (browser only): checked with the engine before the WebSocket opens; kept for the session. */
import { useState } from 'react';
import type { CodedError } from '../../store/app-store';
import { ErrorText } from '../../ui/ErrorText';

export function Login({ onToken, error, busy }: { onToken: (token: string) => void; error: CodedError | null; busy: boolean }) {
  const [token, setToken] = useState('');
  return (
    <div className="login">
      <form
        className="modal__box"
        onSubmit={(e) => {
          e.preventDefault();
          onToken(token.trim());
        }}
      >
        <h2>Connect to the engine</h2>
        <p className="muted">The engine printed its token at start (or see the engine-token file in its data dir). It is kept for this browser tab only.</p>
        <input type="password" autoComplete="off" aria-label="engine token" data-testid="token-input" value={token} onChange={(e) => setToken(e.target.value)} autoFocus />
        <button type="submit" disabled={busy || token.trim() === ''} data-testid="token-submit">
          {busy ? 'Connecting…' : 'Connect'}
        </button>
        <ErrorText error={error} testId="login-error" />
      </form>
    </div>
  );
}
