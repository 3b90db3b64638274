import { describe, expect, it } from 'vitest';
import { dragSpan, navKey, panSpan, wheelFactor, zoomSpan } from './navigation.js';

describe('zoomSpan', () => {
  it('keeps the anchor in place and scales the width', () => {
    expect(zoomSpan({ from: 0, to: 100 }, 25, 0.5)).toEqual({ from: 12.5, to: 62.5 });
    expect(zoomSpan({ from: 0, to: 100 }, 50, 2)).toEqual({ from: -50, to: 150 });
  });

  it('zooms a log axis in log space: a decade stays a decade wide on screen', () => {
    const z = zoomSpan({ from: 1, to: 10000 }, 100, 0.5, true);
    expect(Math.log10(z.from)).toBeCloseTo(1, 12);
    expect(Math.log10(z.to)).toBeCloseTo(3, 12);
  });

  it('stops at float noise and at overflow instead of breaking', () => {
    const tiny = { from: 1e9, to: 1e9 + 1e-2 };
    expect(zoomSpan(tiny, 1e9, 1e-6)).toEqual(tiny);
    const huge = { from: -1e307, to: 1e307 };
    expect(zoomSpan(huge, 0, 100)).toEqual(huge);
    expect(zoomSpan({ from: 0, to: 10 }, 5, NaN)).toEqual({ from: 0, to: 10 });
  });
});

describe('panning', () => {
  it('moves by a fraction of the view, or against the dragged pixels', () => {
    expect(panSpan({ from: 10, to: 20 }, 0.1)).toEqual({ from: 11, to: 21 });
    expect(dragSpan({ from: 0, to: 100 }, 50, 500)).toEqual({ from: -10, to: 90 });
    const p = panSpan({ from: 1, to: 100 }, 0.5, true);
    expect(p.from).toBeCloseTo(10, 10);
    expect(p.to).toBeCloseTo(1000, 10);
  });
});

describe('input mapping', () => {
  it('wheel: up zooms in, down zooms out, lines and pages scaled, extremes clamped', () => {
    expect(wheelFactor(-100)).toBeLessThan(1);
    expect(wheelFactor(100)).toBeGreaterThan(1);
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1, 12);
    expect(wheelFactor(3, 1)).toBeCloseTo(wheelFactor(48), 12);
    expect(wheelFactor(1e6)).toBe(wheelFactor(500));
  });

  it('keys of the issue: + - zoom, arrows pan, 0 resets, f follows; browser shortcuts left alone', () => {
    expect(navKey('+')).toEqual({ kind: 'zoom', factor: 0.8 });
    expect(navKey('=')).toEqual({ kind: 'zoom', factor: 0.8 });
    expect(navKey('-')).toEqual({ kind: 'zoom', factor: 1.25 });
    expect(navKey('ArrowLeft')).toEqual({ kind: 'pan', fraction: -0.1 });
    expect(navKey('ArrowRight', { shift: true })).toEqual({ kind: 'pan', fraction: 0.5 });
    expect(navKey('0')).toEqual({ kind: 'reset' });
    expect(navKey('f')).toEqual({ kind: 'follow' });
    expect(navKey('+', { ctrl: true })).toBeNull();
    expect(navKey('0', { meta: true })).toBeNull();
    expect(navKey('x')).toBeNull();
  });
});
