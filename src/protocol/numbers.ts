import type { SeriesColumns, SeriesPoints, WireNumber } from './types.js';

export function toWire(v: number): WireNumber {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

/**
 * JSON text of a stored value in wire form, exact to the bit: finite numbers in shortest round-trip form with −0 as `-0`
 * (`JSON.stringify(-0)` gives `0`; JSON text `-0` parses back to −0), non-finite as `"NaN"`, `"Infinity"`, `"-Infinity"`.
 */
export function wireJson(v: number): string {
  if (Object.is(v, -0)) return '-0';
  return Number.isFinite(v) ? String(v) : `"${toWire(v)}"`;
}

/** Stands for −0 while JSON.stringify runs (private-use characters, which it writes as they are). */
const NEGATIVE_ZERO = '\u{E000}-0\u{E000}';

/** Whether a JSON-able value holds −0 anywhere (arrays and plain objects are searched). */
function holdsNegativeZero(v: unknown): boolean {
  if (typeof v === 'number') return v === 0 && 1 / v < 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (typeof e === 'number' ? e === 0 && 1 / e < 0 : e !== null && typeof e === 'object' && holdsNegativeZero(e)) return true;
    }
    return false;
  }
  if (v !== null && typeof v === 'object') for (const e of Object.values(v)) if (holdsNegativeZero(e)) return true;
  return false;
}

/**
 * `JSON.stringify(value)`, except that −0 is written `-0` (JSON.stringify writes `0`; JSON text `-0` parses back to −0):
 * a stored value read back as JSON is the value stored, to the bit. As fast as JSON.stringify when there is no −0.
 */
export function jsonExact(value: unknown): string {
  const plain = JSON.stringify(value);
  if (!holdsNegativeZero(value)) return plain;
  // A stand-in no string or key of the value holds (JSON.stringify writes private-use characters as they are, so one that
  // did would show in `plain`): a summary string equal to the stand-in must stay a string.
  let mark = NEGATIVE_ZERO;
  for (let k = 0; plain.includes(mark); k++) mark = `${NEGATIVE_ZERO}${k}\u{E000}`;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && v === 0 && 1 / v < 0 ? mark : v)).replaceAll(`"${mark}"`, '-0');
}

export function fromWire(v: WireNumber): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  return v === 'Infinity' ? Infinity : -Infinity;
}

export function isWireNumber(v: unknown): v is WireNumber {
  return (typeof v === 'number' && Number.isFinite(v)) || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
}

export function toWireArray(values: ArrayLike<number>): WireNumber[] {
  const out = new Array<WireNumber>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toWire(values[i]!);
  return out;
}

/** Wire numbers as float64 (a column already in float64, as a binary series read gives, is returned as it is). */
export function fromWireArray(values: readonly WireNumber[] | Float64Array): Float64Array {
  if (values instanceof Float64Array) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = fromWire(values[i]!);
  return out;
}

/** Points in columns; wire-form points (JSON arrays, NaN as a string) are converted. */
export function toColumns(p: SeriesPoints | SeriesColumns): SeriesColumns {
  if (p.x instanceof Float64Array) return p as SeriesColumns;
  return { key: p.key, x: Float64Array.from(p.x), y: fromWireArray((p as SeriesPoints).y), ...(p.t && { t: p.t }) };
}
