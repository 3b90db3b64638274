import { describe, expect, it } from 'vitest';
import { blankWhatDoesNotFit, fitTicks, type AxisTicks } from './ticks.js';
import { timeAxisFor, timeTicks } from './time-axis.js';

// "A tick label missing": on the steps demo (x 134.68…349.91, about 0.15 s a step) a relative-time axis read
// 25s 35s 40s … 55s — 30s gone, a double-width gap. A label is left out only when it truly overlaps its neighbour or runs
// off the canvas; evenly spaced ticks of equal-width labels are never thinned unevenly.
const T0 = Date.UTC(2026, 0, 1, 8, 29, 21);
// 0.15 s a step from 3.5 s, but steps 143…173 ran a little faster (5 s for 30 steps, as a loaded machine's timing wobbles).
const marks = { x: [0, 143, 173, 1000], t: [T0 + 3500, T0 + 3500 + 143 * 150, T0 + 3500 + 143 * 150 + 5000, T0 + 3500 + 143 * 150 + 5000 + 827 * 150] };
const MIN = 134.68;
const MAX = 349.91;
const width = (label: string) => label.length * 6.6;

describe('time ticks of the steps demo window', () => {
  it('keeps every round duration whose x is not crowded by a pause (30s included)', () => {
    for (const kind of ['relative', 'wall'] as const) {
      const axis = timeAxisFor(kind, 'step', T0, () => marks)!;
      for (const maxTicks of [7, 8]) { // a 5 s step
        const t = timeTicks(axis, MIN, MAX, maxTicks);
        expect(t.values).toHaveLength(7); // 25s 30s … 55s
        if (kind === 'relative') expect(t.labels).toEqual(['25s', '30s', '35s', '40s', '45s', '50s', '55s']);
      }
    }
  });

  it('labels all of them at every chart width where they fit, and never leaves one gap wider than the others', () => {
    const axis = timeAxisFor('relative', 'step', T0, () => marks)!;
    for (let w = 300; w <= 1400; w += 7) {
      const t = fitTicks(MIN, MAX, (a, b, n) => timeTicks(axis, a, b, n), { lengthPx: w, measure: width, room: { left: 60, right: 10 } });
      const shown = t.labels.map((l, i) => (l ? Number.parseInt(l, 10) : null)).filter((s): s is number => s !== null);
      const steps = shown.slice(1).map((s, i) => s - shown[i]!);
      expect(new Set(steps).size, `${w}px: ${t.labels.join(' ')}`).toBeLessThanOrEqual(1);
    }
  });
});

describe('blankWhatDoesNotFit', () => {
  // Seven 20 px labels whose ticks are 27 or 28.5 px apart (float positions of a wobbling rate): none overlaps.
  const px = [0, 28.5, 55.5, 84, 112.5, 141, 169.5].map((p) => p + 20);
  const ticks: Pick<AxisTicks, 'values' | 'labels' | 'min' | 'max'> = { values: px, labels: ['25s', '30s', '35s', '40s', '45s', '50s', '55s'], min: 0, max: 200 };
  const opts = { lengthPx: 200, measure: () => 20, room: { left: 0, right: 0 } };

  it('blanks none of labels that do not overlap, however close', () => {
    expect(blankWhatDoesNotFit(ticks, opts).labels).toEqual(ticks.labels);
  });

  it('blanks a label that overlaps its neighbour or runs off the canvas, evenly', () => {
    const dense = { ...ticks, values: [10, 25, 40, 55, 70, 85, 195] };
    expect(blankWhatDoesNotFit(dense, opts).labels).toEqual(['25s', '', '35s', '', '45s', '', '']);
  });
});
