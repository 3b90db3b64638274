/**
 * Series toggled off in a panel's legend, kept in the URL so a reload or a shared link shows the same lines:
 * `h.<panel id>=<key>`, one parameter per hidden key (keys may hold any character, so none is used as a separator).
 */
const param = (panelId: string) => `h.${panelId}`;

/** The keys hidden in `panelId`, of those the panel has (a stale key in a link is ignored). */
export function decodeHidden(search: string, panelId: string, keys?: readonly string[]): Set<string> {
  const all = new URLSearchParams(search).getAll(param(panelId));
  return new Set(keys ? all.filter((k) => keys.includes(k)) : all);
}

/** The search string with `panelId`'s hidden keys set (removed when none), other parameters kept. */
export function encodeHidden(search: string, panelId: string, hidden: Iterable<string>): string {
  const p = new URLSearchParams(search);
  p.delete(param(panelId));
  for (const k of [...new Set(hidden)].sort()) p.append(param(panelId), k);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The legend's click: `key` shown ↔ hidden. */
export function toggleHidden(hidden: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(hidden);
  if (!next.delete(key)) next.add(key);
  return next;
}

/** The legend's "only": show `key` alone, or everything again when it already is alone. */
export function onlyShown(hidden: ReadonlySet<string>, keys: readonly string[], key: string): Set<string> {
  return hidden.size === keys.length - 1 && !hidden.has(key) ? new Set() : new Set(keys.filter((k) => k !== key));
}
