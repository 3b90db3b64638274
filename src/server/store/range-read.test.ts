import { describe, expect, it } from 'vitest';
import { BlockTable } from './block-table.js';
import { packChunk } from './chunk.js';
import { addTables, finishRange, finishRangeInSteps, planRange, type ChunkMeta, type Range } from './range-read.js';

/** A series of `chunks` packed chunks of 2,048 points (a sine with a spike), as a store's plan gets them. */
function series(chunks: number): ChunkMeta[] {
  return Array.from({ length: chunks }, (_, c) => {
    const x = Float64Array.from({ length: 2048 }, (_, i) => c * 2048 + i);
    const y = x.map((v) => Math.sin(v / 300) + (v === 5000 ? 9 : 0));
    const enc = packChunk(x, y);
    return {
      id: 1_000_000 + c, count: 2048, firstX: x[0]!, lastX: x[2047]!, blocks: enc.blocks,
      summary: BlockTable.fromBytes(enc.blocks).summaryOfAll(), columns: { xs: enc.xs, ys: enc.ys },
    };
  });
}

/** Plans a read as a backend does: block tiers the plan asks for are added (every chunk comes with its points). */
function plan(chunks: ChunkMeta[], range: Range) {
  const p = planRange('s', chunks, range);
  addTables(p, new Map(chunks.map((c) => [c.id, c.blocks!])));
  return p;
}

describe('a range read in time slices', () => {
  for (const [name, range] of [['downsampled', { budget: 400 }], ['snapped', { budget: 400, snap: true }], ['every point', {}]] as const) {
    it(`${name}: pauses by elapsed time and returns exactly what one synchronous pass returns`, async () => {
      const whole = finishRange(plan(series(40), range), { columns: new Map() });
      let pauses = 0;
      const pause = async () => {
        pauses++;
      };
      // Every check is past a zero-length slice: a pause between every step.
      const sliced = await finishRangeInSteps(plan(series(40), range), { columns: new Map() }, pause, 0);
      expect(sliced).toEqual(whole);
      expect(pauses).toBeGreaterThan(0);
      // A slice longer than the read: no pause at all.
      pauses = 0;
      expect(await finishRangeInSteps(plan(series(40), range), { columns: new Map() }, pause, 60_000)).toEqual(whole);
      expect(pauses).toBe(0);
    });
  }
});
