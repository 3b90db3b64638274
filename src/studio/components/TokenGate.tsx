import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { checkAccess, onUnauthorized, storeToken, type AccessCheck } from '../api/auth.js';

/**
 * Shows the studio once the server lets this browser in. A server started with `--token` answers 401 without it: then a
 * form asks for the token once (it is kept in this browser), and asks again if the server stops accepting it.
 */
export function TokenGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AccessCheck | 'checking'>('checking');
  const [draft, setDraft] = useState('');

  useEffect(() => {
    let live = true;
    void checkAccess().then((s) => live && setState(s));
    const off = onUnauthorized(() => {
      storeToken(null);
      setState('token-needed');
    });
    return () => {
      live = false;
      off();
    };
  }, []);

  if (state === 'open' || state === 'unreachable') return <>{children}</>;
  if (state === 'checking') return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    storeToken(draft.trim());
    const next = await checkAccess();
    setState(next);
    if (next !== 'open') storeToken(null);
  };

  return (
    <div className="app">
      <main className="page token-gate">
        <h1>This Plotline needs a token</h1>
        <p className="muted">The server was started with <code>--token</code>. Enter the token (or a read token) once; this browser keeps it.</p>
        <form onSubmit={(e) => void submit(e)}>
          <label htmlFor="plotline-token">Token</label>
          <input id="plotline-token" type="password" autoComplete="current-password" value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
          <button type="submit" disabled={draft.trim().length === 0}>Open</button>
        </form>
        {state === 'token-refused' && <p role="alert" className="error-text">That token was not accepted.</p>}
      </main>
    </div>
  );
}
