import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { chartOptions, estimateLabelWidth, type ChartTheme } from './chart-options.js';
import { buildPanels } from './panels.js';
import { yAxisFrame } from './plot-frame.js';
import { fitTicks, labelsFit, axisTicks, durationTicks } from './ticks.js';
import { timeAxisFor } from './time-axis.js';

// DESIGN.md "Never broken by data": readable ticks for any value the server accepts — float noise around a constant,
// 1e-300 to 1e308, offsets like 10 + 1e-9, x up to 2^53 — on every x-axis mode (units, seconds, relative and wall time,
// log x) and on y, at the widths a chart gets (a 390 px phone to a wide screen): labels present, distinct, not
// overlapping, not cut off at the canvas edge.

const theme: ChartTheme = { text: '#000', muted: '#555', grid: '#eee', palette: ['red'], odd: 'red', font: '11px sans-serif' };
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const MAX = 2 ** 53;

const WINDOWS: Array<[string, number, number]> = [
  ['near 2^53', 9007199254740000, 9007199254740991],
  ['up to 2^53', 0, MAX],
  ['±2^53', -MAX, MAX],
  ['just below -2^53 + 1000', -MAX, -MAX + 1000],
  ['10 + 1e-9', 10, 10 + 1e-9],
  ['float noise around 1', 1 - 4e-16, 1 + 4e-16],
  ['1e-300 to 1e308', 1e-300, 1e308],
  ['tiny', 1e-300, 3e-300],
  ['huge', 1e307, 1.7e308],
  ['ordinary', 0, 1234],
];

/**
 * A chart instance as the axis callbacks read it: a plot `plotPx` CSS pixels wide with `left`/`right` px of y-axis gutter,
 * at device pixel ratio 2 (uPlot's bbox and canvas are in device pixels).
 */
function fakeChart(plotPx: number, left: number, right: number): uPlot {
  (globalThis as { devicePixelRatio?: number }).devicePixelRatio = 2;
  return { bbox: { left: left * 2, top: 0, width: plotPx * 2, height: 360 }, width: left + plotPx + right } as unknown as uPlot;
}

type Mode = 'units' | 'seconds' | 'relative' | 'wall' | 'wall-seconds' | 'log-x';

/** The x tick labels the chart draws for window [lo, hi] in `mode`, with the splits they belong to. */
function xLabels(mode: Mode, lo: number, hi: number, plotPx: number, left: number, right: number) {
  const [panel] = buildPanels([{ key: 'v', ...(mode !== 'seconds' && mode !== 'wall-seconds' && { group: { name: 'g', units: 'step' } }) }]);
  // Record times: the window's steps recorded over 10 minutes.
  const marks = { x: [lo, hi], t: [T0, T0 + 600_000] };
  const timeAxis = mode === 'relative' || mode === 'wall' ? timeAxisFor(mode, 'step', T0, () => marks) : mode === 'wall-seconds' ? timeAxisFor('wall', undefined, T0, () => undefined) : null;
  const o = chartOptions({ panel: panel!, theme, width: left + plotPx + right, height: 240, syncKey: 'k', timeAxis, logX: mode === 'log-x' });
  const x = o.axes![0]!;
  const u = fakeChart(plotPx, left, right);
  const splits = (x.splits as (u: uPlot, ai: number, min: number, max: number) => number[])(u, 0, lo, hi);
  const labels = (x.values as (u: uPlot, s: number[]) => string[])(u, splits);
  return { splits, labels };
}

describe('x-axis ticks at the extremes', () => {
  for (const mode of ['units', 'seconds', 'relative', 'wall', 'wall-seconds', 'log-x'] as const) {
    // Log x draws x > 0 only.
    for (const [name, lo, hi] of WINDOWS.filter(([, a]) => mode !== 'log-x' || a > 0)) {
      it(`${mode}: ${name}`, () => {
        for (const [plotPx, left, right] of [[300, 40, 8], [560, 48, 48], [1100, 60, 8]] as const) {
          const { splits, labels } = xLabels(mode, lo, hi, plotPx, left, right);
          const shown = labels.filter(Boolean);
          const where = `${plotPx} px: ${JSON.stringify(labels)}`;
          expect(shown.length, where).toBeGreaterThanOrEqual(plotPx >= 500 ? 2 : 1);
          expect(new Set(shown).size, where).toBe(shown.length);
          for (const l of shown) expect(l, where).not.toMatch(/NaN|Infinity|invalid|undefined|∞/);
          // Positions along the axis: log10 of the values on a log scale.
          const at = (v: number) => (mode === 'log-x' ? Math.log10(v) : v);
          const kept = splits.flatMap((v, i) => (labels[i] ? [at(v)] : []));
          expect(labelsFit({ values: kept, labels: shown }, at(lo), at(hi), { lengthPx: plotPx, measure: estimateLabelWidth, room: { left, right } }), where).toBe(true);
        }
      });
    }
  }

  it('never freezes on a window at the float resolution (a tick step finer than the values can count)', () => {
    for (let n = 2; n <= 12; n++) {
      const t = axisTicks(1 - 4e-16, 1 + 4e-16, { maxTicks: n });
      expect(t.labels.length).toBeGreaterThanOrEqual(2);
      expect(new Set(t.labels).size).toBe(t.labels.length);
    }
  });

  it('writes wall time by what the step needs: minutes, seconds, fractions, dates, and "start + …" beyond any calendar', () => {
    const wall = (lo: number, hi: number) => xLabels('wall-seconds', lo, hi, 1100, 60, 8).labels.filter(Boolean);
    expect(wall(0, 3600).every((l) => /^\d{2}:\d{2}$/.test(l))).toBe(true);
    expect(wall(0, 100).every((l) => /^\d{2}:\d{2}:\d{2}$/.test(l))).toBe(true);
    expect(wall(10, 10.5).every((l) => /^\d{2}:\d{2}:\d{2}\.\d+$/.test(l))).toBe(true);
    expect(wall(0, 3 * 86400).every((l) => /^[A-Z][a-z]{2} \d{1,2}/.test(l))).toBe(true);
    expect(wall(0, 60 * 86400).every((l) => /^[A-Z][a-z]{2} \d{1,2}$/.test(l))).toBe(true);
    expect(wall(MAX - 1000, MAX).every((l) => l.startsWith('start + '))).toBe(true);
  });
});

describe('fitTicks', () => {
  it('narrows the window at an end where half a label has no room, and blanks what still cannot fit', () => {
    const make = (lo: number, hi: number, n: number) => axisTicks(lo, hi, { maxTicks: n, wholeSteps: true });
    const opts = { lengthPx: 300, measure: estimateLabelWidth, room: { left: 0, right: 0 } };
    const t = fitTicks(0, 1000, make, opts);
    expect(t.values[0]).toBeGreaterThan(0);
    expect(labelsFit(t, 0, 1000, opts)).toBe(true);
    // Days of a huge duration: round 1-2-5 steps, not 34749997128d.
    for (const n of [3, 5, 11]) for (const l of durationTicks(0, MAX, { maxTicks: n }).labels) expect(l).toMatch(/^(0|\de\d+)d$/);
  });
});

describe('y-axis ticks at the extremes', () => {
  it('gives every y window distinct labels, as many as the height allows', () => {
    const [panel] = buildPanels([{ key: 'v' }]);
    for (const [name, lo, hi] of WINDOWS) {
      for (const height of [120, 300]) {
        const frame = yAxisFrame(panel!.axes[0]!, lo, hi, height);
        const labels = frame.ticks.labels;
        expect(labels.length, `${name} ${height}`).toBeGreaterThanOrEqual(2);
        expect(new Set(labels).size, `${name}: ${JSON.stringify(labels)}`).toBe(labels.length);
        expect(labels.length * 24, `${name} ${height}: ${JSON.stringify(labels)}`).toBeLessThanOrEqual(height + 24);
      }
    }
  });
});
