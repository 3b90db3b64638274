/** Cog summary-metric key and value rules (DESIGN.md "Summary metrics"). */

export const SUMMARY_KEY_MAX_LENGTH = 128;
export const SUMMARY_KEY_MAX_SEGMENTS = 4;
const SEGMENT = /^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$/;

/** The rule a summary key breaks, or null. */
export function summaryKeyProblem(key: string): string | null {
  if (key.length === 0) return 'key must not be empty';
  if (key.length > SUMMARY_KEY_MAX_LENGTH) return `key must be at most ${SUMMARY_KEY_MAX_LENGTH} characters (got ${key.length})`;
  const segments = key.split('.');
  if (segments.length > SUMMARY_KEY_MAX_SEGMENTS) return `key must have at most ${SUMMARY_KEY_MAX_SEGMENTS} dot-separated segments (got ${segments.length})`;
  for (const s of segments) {
    if (s.length === 0) return 'key must not have an empty segment (check for leading, trailing or double dots)';
    if (!SEGMENT.test(s)) return `key segment "${s}" must start with a letter, contain only letters, digits and "_", and end with a letter or digit`;
  }
  return null;
}

/** The rule a summary value breaks, or null. Values are bool, number (finite), string, arrays and objects of those. */
export function summaryValueProblem(v: unknown, depth = 0): string | null {
  if (depth > 32) return 'value must not nest deeper than 32 levels';
  if (typeof v === 'boolean' || typeof v === 'string') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : 'value numbers must be finite';
  if (Array.isArray(v)) {
    for (const item of v) {
      const p = summaryValueProblem(item, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    // JSON.parse makes "__proto__" an own key; copied by assignment it would set a prototype instead and vanish.
    if (Object.hasOwn(v, '__proto__')) return 'value must not use "__proto__" as an object key';
    for (const item of Object.values(v)) {
      const p = summaryValueProblem(item, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (v === null) return 'value must not contain null inside arrays or objects';
  return `value must be a bool, number, string, array or object (got ${typeof v})`;
}
