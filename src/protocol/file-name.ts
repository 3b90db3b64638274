import type { LabelFilter, WhereClause, WhereOp } from './list-query.js';

/**
 * Names of downloaded files, shared by the server (its `Content-Disposition`) and the studio (a link's `download`
 * attribute), so a file is called after what it holds whoever names it: `<execution name>-<panel name>.csv`,
 * `runs-<filters>.csv`.
 *
 * A name is made safe for the file systems people save to (Windows, macOS, Linux): characters they refuse or treat
 * specially (`<>:"/\|?*`, control characters, bidirectional overrides that disguise an extension) and runs of white
 * space become one `_`; leading and trailing dots, dashes and underscores go (no hidden files, no trailing dot Windows
 * drops); each part is cut to `MAX_PART` characters (whole code points, so about 240 UTF-8 bytes at most: under the
 * 255-byte limit of ext4, APFS and NTFS); Windows' reserved device names (`CON`, `NUL`, `COM1`…) get a leading `_`.
 */

/** Longest part of a name, in code points. */
export const MAX_PART = 60;

/** Characters no file name may hold on some common file system, or that reorder how a name is displayed. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\s]+/gu;
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** One part of a file name made safe (see the module comment); '' when nothing of it is left. */
export function fileNamePart(text: string): string {
  const safe = text.normalize('NFC').replace(UNSAFE, '_').replace(/_+/g, '_').replace(/^[._-]+|[._-]+$/g, '');
  const points = Array.from(safe);
  return points.length <= MAX_PART ? safe : points.slice(0, MAX_PART).join('').replace(/[._-]+$/, '');
}

/**
 * A file name from its parts, joined by `-`, with the extension `ext` (no dot). A part that is empty once made safe is
 * replaced by its fallback (`[text, fallback]`: an id for a name that may be blank), or left out; with no part left the
 * name is `fallback` (which must be safe already).
 */
export function fileName(parts: ReadonlyArray<string | readonly [string, string]>, ext: string, fallback = 'download'): string {
  const kept = parts.flatMap((p) => {
    const [text, alt] = typeof p === 'string' ? [p, ''] : p;
    const safe = fileNamePart(text) || fileNamePart(alt);
    return safe ? [safe] : [];
  });
  const base = kept.length > 0 ? kept.join('-') : fallback;
  return `${RESERVED.test(base) ? `_${base}` : base}.${ext}`;
}

/**
 * The name of a panel's data or picture: `<execution name>-<panel name>.<ext>` (the execution's id when its name is
 * blank once made safe; the panel's series keys when its name is).
 */
export function panelFileName(execution: { id: string; name: string }, panel: string, keys: readonly string[], ext: string): string {
  return fileName([[execution.name, execution.id], [panel, keys.join('+')]], ext, fileNamePart(execution.id) || 'execution');
}

const OP_WORDS: Record<WhereOp, string> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '=': 'eq' };

/** What a runs CSV holds, as the list's filters say it. */
export interface RunsFilter {
  q?: string | undefined;
  status?: readonly string[] | undefined;
  labels?: readonly LabelFilter[] | undefined;
  where?: readonly WhereClause[] | undefined;
}

/**
 * The name of the runs table's CSV: `runs` followed by its filters (`runs-resnet-failed-model_r50-acc_ge_0.9.csv`), or
 * `runs.csv` when it holds every run. The sort and the columns change the order and the columns, not which runs.
 */
export function runsFileName(f: RunsFilter): string {
  const parts = [
    f.q?.trim() ?? '',
    ...(f.status ?? []),
    ...(f.labels ?? []).map((l) => (l.value === '' ? l.key : `${l.key}_${l.value}`)),
    ...(f.where ?? []).map((w) => `${w.path}_${OP_WORDS[w.op]}_${w.value}`),
  ];
  return fileName(['runs', ...parts], 'csv');
}

/**
 * A `Content-Disposition: attachment` value naming the file `name` (RFC 6266): `filename*` carries it exactly in UTF-8
 * (RFC 8187), `filename` an ASCII form for old clients (accents dropped, other non-ASCII characters as `_`).
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]+/g, '_').replace(/["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === name ? `attachment; filename="${name}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
