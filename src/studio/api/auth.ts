/**
 * The studio's side of `--token` (README "Security model"): the token is asked for once and kept in this browser's
 * localStorage; REST reads send it as `Authorization: Bearer`, and `POST /api/session` turns it into an HttpOnly,
 * SameSite=Strict cookie that opens reads and the stream, because EventSource cannot send headers.
 */

const STORAGE_KEY = 'plotline.token';
const UNAUTHORIZED_EVENT = 'plotline:unauthorized';

export function storedToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage disabled: the token lasts as long as the page.
  }
}

export function authHeaders(): Record<string, string> {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Called by API reads that got a 401: the token gate asks for a (new) token. */
export function reportUnauthorized(): void {
  window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
}

export function onUnauthorized(listener: () => void): () => void {
  window.addEventListener(UNAUTHORIZED_EVENT, listener);
  return () => window.removeEventListener(UNAUTHORIZED_EVENT, listener);
}

export type AccessCheck = 'open' | 'token-needed' | 'token-refused' | 'unreachable';

/** Whether the server lets this browser in with the stored token (or none); when it does, sets the stream's session cookie. */
export async function checkAccess(): Promise<AccessCheck> {
  const token = storedToken();
  let res: Response;
  try {
    res = await fetch('/api/session', { method: 'POST', headers: authHeaders() });
  } catch {
    return 'unreachable';
  }
  if (res.status === 401 || res.status === 403) return token ? 'token-refused' : 'token-needed';
  // A server with a token answers 401 to a request without one, so a 200 means we are in.
  return res.ok ? 'open' : 'unreachable';
}
