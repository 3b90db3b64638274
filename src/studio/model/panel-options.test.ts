import { describe, expect, it } from 'vitest';
import { DEFAULT_PANEL_OPTIONS, decodePanelOptions, encodePanelOptions, forLogScale } from './panel-options.js';

describe('panel options in the URL', () => {
  it('round-trips per panel and keeps other parameters', () => {
    const o = { smoothing: 0.6, smoothingAlgorithm: 'ema' as const, logX: false, logY: true, xAxis: 'relative' as const };
    const s = encodePanelOptions('?from=1&to=2', 'g:train', o);
    expect(s).toBe('?from=1&to=2&po.g%3Atrain=s0.6%2Cly%2Cxrelative');
    const tw = { ...o, smoothingAlgorithm: 'twema' as const };
    expect(decodePanelOptions(encodePanelOptions('', 'p', tw), 'p')).toEqual(tw);
    expect(encodePanelOptions('', 'p', { ...o, smoothingAlgorithm: 'gaussian' })).toBe('?po.p=s0.6%2Cagaussian%2Cly%2Cxrelative');
    expect(decodePanelOptions('?po.p=abox', 'p').smoothingAlgorithm).toBe('ema');
    expect(decodePanelOptions(s, 'g:train')).toEqual(o);
    expect(decodePanelOptions(s, 'other')).toEqual(DEFAULT_PANEL_OPTIONS);
    expect(encodePanelOptions(s, 'g:train', DEFAULT_PANEL_OPTIONS)).toBe('?from=1&to=2');
  });

  it('ignores malformed tokens and clamps smoothing', () => {
    expect(decodePanelOptions('?po.a=s5,zz,sabc,lx', 'a')).toEqual({ ...DEFAULT_PANEL_OPTIONS, smoothing: 0.99, logX: true });
  });
});

describe('log scale helpers', () => {
  it('counts non-positive values instead of dropping them silently', () => {
    const r = forLogScale([1, 0, -3, NaN, 100]);
    expect(r.nonPositive).toBe(2);
    expect([...r.values]).toEqual([1, NaN, NaN, NaN, 100]);
  });
});
