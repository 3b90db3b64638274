export interface ChunkSize {
  id: number;
  count: number;
}

/**
 * Which chunks to merge: runs of at least two consecutive chunks smaller than `small`, each run holding at most `max`
 * points. `chunks` are one series' chunks in x order. Big chunks are never rewritten.
 */
export function planMerges(chunks: ChunkSize[], small: number, max: number): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  let points = 0;
  const flush = () => {
    if (run.length >= 2) runs.push(run);
    run = [];
    points = 0;
  };
  for (const c of chunks) {
    if (c.count >= small) {
      flush();
      continue;
    }
    if (points + c.count > max) flush();
    run.push(c.id);
    points += c.count;
  }
  flush();
  return runs;
}
