import type { CDPSession } from '@playwright/test';
import { writeFileSync } from 'node:fs';

/** A V8 heap snapshot (`.heapsnapshot`, the JSON Chromium's DevTools reads) reduced to what a comparison needs. */
export interface HeapSnapshotSummary {
  /** Self bytes of every node, summed. */
  total: number;
  /** Self bytes and node count per kind: `type:constructor` for objects, `type` alone for strings, numbers, code. */
  byKind: Map<string, { bytes: number; count: number }>;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Takes a heap snapshot of the page behind `cdp` (HeapProfiler.takeHeapSnapshot, which collects garbage first). */
export async function takeHeapSnapshot(cdp: CDPSession, path?: string): Promise<HeapSnapshotSummary> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => { chunks.push(e.chunk); };
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const text = chunks.join('');
  if (path) writeFileSync(path, text);
  return summariseHeapSnapshot(JSON.parse(text) as RawSnapshot);
}

/** Groups a snapshot's nodes by kind (see `HeapSnapshotSummary.byKind`). */
export function summariseHeapSnapshot(raw: RawSnapshot): HeapSnapshotSummary {
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const TYPE = fields.indexOf('type');
  const NAME = fields.indexOf('name');
  const SIZE = fields.indexOf('self_size');
  const byKind = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + TYPE]!]!;
    const size = raw.nodes[i + SIZE]!;
    const named = type === 'object' || type === 'native' || type === 'hidden' || type === 'array' || type === 'closure';
    const kind = named ? `${type}:${raw.strings[raw.nodes[i + NAME]!]!.slice(0, 60)}` : type;
    const k = byKind.get(kind) ?? { bytes: 0, count: 0 };
    k.bytes += size;
    k.count++;
    byKind.set(kind, k);
    total += size;
  }
  return { total, byKind };
}

/** The kinds that grew most from `a` to `b` (bytes), with their counts: rows for `report`. */
export function heapGrowthRows(a: HeapSnapshotSummary, b: HeapSnapshotSummary, top = 15): Array<[string, string, string]> {
  const kinds = new Set([...a.byKind.keys(), ...b.byKind.keys()]);
  const rows = [...kinds].map((kind) => {
    const before = a.byKind.get(kind) ?? { bytes: 0, count: 0 };
    const after = b.byKind.get(kind) ?? { bytes: 0, count: 0 };
    return { kind, d: after.bytes - before.bytes, before, after };
  }).sort((p, q) => Math.abs(q.d) - Math.abs(p.d)).slice(0, top);
  const kib = (v: number) => (v / 1024).toFixed(0);
  return rows.map((r): [string, string, string] => [
    `  ${r.kind}`, `${r.d >= 0 ? '+' : ''}${kib(r.d)} KiB`, `${kib(r.before.bytes)} → ${kib(r.after.bytes)} KiB, ${r.before.count} → ${r.after.count} nodes`,
  ]);
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/**
 * Bytes allocated per second by the page over `seconds`, and the functions that allocated most, from V8's sampling heap
 * profiler (HeapProfiler.startSampling) with objects the GC already collected included: that is the garbage a live page
 * makes, which the after-GC heap samples cannot show.
 */
export async function allocationProfile(cdp: CDPSession, seconds: number, top = 12): Promise<{ perSecond: number; rows: Array<[string, string, string]> }> {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.startSampling', {
    samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const { profile } = await cdp.send('HeapProfiler.stopSampling') as unknown as { profile: { head: SamplingNode } };
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (n: SamplingNode) => {
    if (n.selfSize > 0) {
      const f = n.callFrame;
      const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    n.children.forEach(walk);
  };
  walk(profile.head);
  const rows = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([site, bytes]): [string, string, string] => [`  ${site.slice(0, 70)}`, `${(bytes / seconds / 1024).toFixed(0)} KiB/s`, `${((bytes / total) * 100).toFixed(0)}%`]);
  return { perSecond: total / seconds, rows };
}
