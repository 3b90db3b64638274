import { canonicalJson, type MetricDef } from '../protocol/index.js';

/** Says how two definitions of one key differ, field by field (e.g. `group.name: "a" → "b"`), or null when they are the same. */
export function definitionDifference(before: MetricDef, after: MetricDef): string | null {
  const diffs: string[] = [];
  for (const part of ['group', 'scale'] as const) {
    const a = (before[part] ?? {}) as Record<string, unknown>;
    const b = (after[part] ?? {}) as Record<string, unknown>;
    if (!before[part] !== !after[part]) {
      diffs.push(`${part}: ${show(before[part])} → ${show(after[part])}`);
      continue;
    }
    for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (canonicalJson(a[field]) !== canonicalJson(b[field])) diffs.push(`${part}.${field}: ${show(a[field])} → ${show(b[field])}`);
    }
  }
  return diffs.length ? diffs.join(', ') : null;
}

function show(v: unknown): string {
  return v === undefined ? 'none' : canonicalJson(v);
}
