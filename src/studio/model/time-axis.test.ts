import { describe, expect, it } from 'vitest';
import { pageTimeAvailable, panelMarks, panelXUnits, secondsAt, STEP_UNITS, timeAvailable, timeAxisFor, timeLabel, timeTicks, withPanelXUnits, xAtSeconds } from './time-axis.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
// Steps 0…1000: the first 500 in 50 s, then a 100 s pause, then the rest in 50 s.
const marks = { x: [0, 500, 501, 1000], t: [T0, T0 + 50_000, T0 + 150_000, T0 + 200_000] };

describe('time axis of a units (step) axis', () => {
  const rel = timeAxisFor('relative', 'step', T0, () => marks)!;

  it('maps steps to seconds since the start through the marks, and back', () => {
    expect([0, 250, 500, 501, 1000].map((x) => secondsAt(rel, x))).toEqual([0, 25, 50, 150, 200]);
    expect(xAtSeconds(rel, 25)).toBe(250);
    expect(xAtSeconds(rel, 175)).toBeCloseTo(750.5, 9);
  });

  it('puts ticks at round durations, at the step where each was reached, labelled as durations', () => {
    const t = timeTicks(rel, 0, 1000, 5);
    // 200 s over at most 5 ticks: a round 1 min step. 1m and 2m fall in the pause, a step apart: 2m is left out.
    expect(t.labels).toEqual(['0m', '1m', '3m']);
    expect(t.values[0]).toBe(0);
    expect(t.values[1]).toBeCloseTo(500 + (60 - 50) / 100, 9);
    expect(t.values[2]).toBeCloseTo(501 + ((180 - 150) / 50) * 499, 9);
  });

  it('wall time labels the same positions with the clock time', () => {
    const wall = timeAxisFor('wall', 'step', T0, () => marks)!;
    const t = timeTicks(wall, 0, 1000, 5);
    expect(t.values).toEqual(timeTicks(rel, 0, 1000, 5).values);
    expect(t.labels).toHaveLength(3);
    // Ticks a minute apart: hours and minutes (12:00 in UTC, the zone tests run in or not).
    for (const label of t.labels) expect(label).toMatch(/^\d{2}:\d{2}$/);
    expect(timeLabel(rel, 250)).toBe('25s');
  });

  it('is available only with marks (older data: the units axis), and always on a seconds axis for wall time', () => {
    expect(timeAxisFor('wall', 'step', T0, () => undefined)).toBeNull();
    expect(timeAxisFor('units', 'step', T0, () => marks)).toBeNull();
    expect(timeAvailable('step', T0, undefined)).toBe(false);
    expect(timeAvailable('step', T0, marks)).toBe(true);
    expect(timeAvailable(undefined, T0, undefined)).toBe(true);
    const secs = timeAxisFor('wall', undefined, T0, () => undefined)!;
    expect(secondsAt(secs, 12.5)).toBe(12.5);
    expect(panelMarks(['a', 'b'], new Map([['b', marks]]))).toBe(marks);
  });

  it('is offered on the page bar when some panel can show it: a seconds axis, or a units axis with record times', () => {
    const tokens = { xUnits: 'token', lines: [{ key: 'logprob' }] };
    expect(pageTimeAvailable([tokens], T0, new Map([['logprob', marks]]))).toBe(true);
    expect(pageTimeAvailable([tokens], T0, new Map())).toBe(false);
    expect(pageTimeAvailable([tokens, { lines: [{ key: 'gpu' }] }], T0, new Map())).toBe(true);
    expect(pageTimeAvailable([{ lines: [{ key: 'gpu' }] }], undefined, new Map())).toBe(false);
  });
});

describe('a panel whose lines were recorded with `at` but whose group names no units', () => {
  // Steps 0…199 recorded in 0.48 s (the "tiny" example): x is a step, not seconds.
  const tiny = { x: [0, 199], t: [T0 + 10, T0 + 490] };
  const times = new Map([['tiny', tiny]]);

  it('is labelled "step", offering relative and wall time from the record times', () => {
    expect(panelXUnits(undefined, tiny)).toBe(STEP_UNITS);
    expect(panelXUnits('epoch', tiny)).toBe('epoch');
    expect(panelXUnits(undefined, undefined)).toBeUndefined();
    const panel: { id: string; xUnits?: string; lines: Array<{ key: string }> } = { id: 'group:tiny', lines: [{ key: 'tiny' }] };
    const shown = withPanelXUnits(panel, times);
    expect(shown.xUnits).toBe('step');
    expect(withPanelXUnits(panel, times)).toBe(shown); // one stable copy
    expect(timeAvailable(shown.xUnits, T0, tiny)).toBe(true);
    // The default axis is the steps themselves; relative time reads the marks: step 199 is 0.49 s, not 3m19s.
    expect(timeAxisFor('units', shown.xUnits, T0, () => tiny)).toBeNull();
    const rel = timeAxisFor('relative', shown.xUnits, T0, () => tiny)!;
    expect(secondsAt(rel, 199)).toBeCloseTo(0.49, 9);
  });

  it('a panel without record times keeps x = seconds since the start', () => {
    const panel: { id: string; xUnits?: string; lines: Array<{ key: string }> } = { id: 'metric:wall', lines: [{ key: 'wall' }] };
    expect(withPanelXUnits(panel, times)).toBe(panel);
    expect(withPanelXUnits(panel, times).xUnits).toBeUndefined();
  });
});
