import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A tiny history-API router: the studio has two pages, so a dependency would be more code than this. */

const listeners = new Set<() => void>();

/** Back/forward tells every reader through one `popstate` listener (a page of 2,000 panels has 2,000 readers). */
const notifyAll = () => {
  for (const l of [...listeners]) l();
};

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) window.addEventListener('popstate', notifyAll);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notifyAll);
  };
}

/**
 * A location a settling control (the smoothing slider) moved to and the address bar does not show yet: every reader sees
 * it at once (the chart redraws on each move), while `history.replaceState` — a few ms a call — runs once the control
 * settles: on its native `change` (pointer or key released, `flushOnChange`), SETTLE_MS after its last move, before any
 * other navigation, and on `pagehide` (a reload or a link opened then still restores the view exactly).
 */
let pending: string | null = null;
let settleTimer: ReturnType<typeof setTimeout> | undefined;
/** How long after a settling control's last move its location is written to the address bar, ms. */
export const SETTLE_MS = 200;

function written(): string {
  return window.location.pathname + window.location.search;
}

function snapshot(): string {
  return pending ?? written();
}

/** The current path (the pending one while a control settles): compose the next location from this, not window.location. */
export function currentPathname(): string {
  return new URL(snapshot(), 'http://x').pathname;
}

/** The current search (the pending one while a control settles), with its `?`. */
export function currentSearch(): string {
  return new URL(snapshot(), 'http://x').search;
}

/** Writes a settling control's location to the address bar now (no-op when none is pending). */
export function flushLocation(): void {
  clearTimeout(settleTimer);
  settleTimer = undefined;
  if (pending === null) return;
  const to = pending;
  pending = null;
  if (to !== written()) window.history.replaceState(null, '', to);
}

/** A ref for a slider whose moves navigate with `settle`: its native `change` (released) writes the address bar at once. */
export function flushOnChange(el: HTMLInputElement | null): void {
  el?.addEventListener('change', flushLocation);
}

if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', flushLocation);
  // Back/forward: the entry the browser moved to wins over a location not yet written.
  window.addEventListener('popstate', () => {
    clearTimeout(settleTimer);
    pending = null;
  });
}

/** The last location parsed, and its parts: every panel reads the location on each live frame, and it rarely changes. */
let parsed: { href: string; location: { pathname: string; search: string } } | null = null;

export function useLocation(): { pathname: string; search: string } {
  const href = useSyncExternalStore(subscribe, snapshot);
  if (parsed?.href !== href) {
    const url = new URL(href, 'http://x');
    parsed = { href, location: { pathname: url.pathname, search: url.search } };
  }
  return parsed.location;
}

/**
 * Goes to `to`: `replace` swaps the history entry instead of adding one; `settle` (implies replace) is for a control moved
 * many times a second — readers see `to` at once, the address bar gets it once the control settles (see `pending`).
 */
export function navigate(to: string, { replace = false, settle = false } = {}): void {
  if (to === snapshot()) return;
  if (settle) {
    pending = to;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(flushLocation, SETTLE_MS);
  } else {
    flushLocation();
    if (replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
  }
  for (const l of listeners) l();
}

export function Link({ href, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
    window.scrollTo(0, 0);
  };
  return <a href={href} {...rest} onClick={onClick} />;
}
