/** The part of the view kept in the URL so a reload restores it: the zoomed x-range of an execution page. */
export interface ViewRange {
  /** Which x-axis the range is on: a group's x units, or "" for the default seconds since start. Panels on other axes keep following. */
  axis: string;
  from: number;
  to: number;
}

/** `?from=..&to=..` → a range, or null when absent or invalid (then the view follows live data). */
export function decodeRange(search: string): ViewRange | null {
  const p = new URLSearchParams(search);
  const fromText = p.get('from');
  const toText = p.get('to');
  if (fromText === null || toText === null || fromText === '' || toText === '') return null;
  const from = Number(fromText);
  const to = Number(toText);
  if (!Number.isFinite(from) || !Number.isFinite(to) || !(to > from)) return null;
  return { axis: p.get('x') ?? '', from, to };
}

/** The search string with the range set (or removed for null), other parameters kept. */
export function encodeRange(search: string, range: ViewRange | null): string {
  const p = new URLSearchParams(search);
  if (range) {
    p.set('from', compact(range.from));
    p.set('to', compact(range.to));
    if (range.axis) p.set('x', range.axis);
    else p.delete('x');
  } else {
    p.delete('from');
    p.delete('to');
    p.delete('x');
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Enough digits to restore the view to well under a pixel, without 17-digit noise. */
function compact(v: number): string {
  return String(Number(v.toPrecision(10)));
}

/** `/executions/<id>` → id (decoded), else null. */
export function executionIdFromPath(pathname: string): string | null {
  const m = /^\/executions\/([^/]+)\/?$/.exec(pathname);
  return m ? decodeURIComponent(m[1]!) : null;
}

export function executionPath(id: string): string {
  return `/executions/${encodeURIComponent(id)}`;
}
