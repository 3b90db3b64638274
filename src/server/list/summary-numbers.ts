import type { SummaryObject } from '../../protocol/index.js';

/**
 * The numbers of a summary by dotted path (`timing.inference` → 0.85): what sorting and `where` conditions compare.
 * Nested objects are walked; arrays, strings and booleans are not numbers to sort by.
 */
export function summaryNumbers(summary: SummaryObject, prefix = ''): [path: string, value: number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(summary)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out.push([path, v]);
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      out.push(...summaryNumbers(v, path));
    }
  }
  return out;
}
