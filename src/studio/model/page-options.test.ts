import { describe, expect, it } from 'vitest';
import { decodePageOptions, effectivePanelOptions, panelOverrides, setPageOptions, setPanelOptions } from './page-options.js';
import { DEFAULT_PANEL_OPTIONS } from './panel-options.js';

const D = DEFAULT_PANEL_OPTIONS;

describe('page-level panel options', () => {
  it('apply to every panel without a parameter of its own', () => {
    const s = setPageOptions('?from=1&to=2', { ...D, smoothing: 0.8, logY: true, xAxis: 'wall' });
    expect(s).toBe('?from=1&to=2&po=s0.8%2Cly%2Cxwall');
    expect(decodePageOptions(s)).toEqual({ ...D, smoothing: 0.8, logY: true, xAxis: 'wall' });
    expect(effectivePanelOptions(s, 'group:a')).toEqual({ ...D, smoothing: 0.8, logY: true, xAxis: 'wall' });
  });

  it('let a panel override one option, written relative to the page (including turning one off)', () => {
    const page = setPageOptions('', { ...D, smoothing: 0.8, logY: true });
    const s = setPanelOptions(page, 'group:a', { ...D, smoothing: 0.8, logY: false });
    expect(new URLSearchParams(s).get('po.group:a')).toBe('ly0');
    expect(effectivePanelOptions(s, 'group:a')).toEqual({ ...D, smoothing: 0.8, logY: false });
    expect(effectivePanelOptions(s, 'group:b')).toEqual({ ...D, smoothing: 0.8, logY: true });
    expect(panelOverrides(s, 'group:a')).toEqual(['logY']);
    // Back to the page's value: the panel has no parameter any more.
    expect(setPanelOptions(s, 'group:a', { ...D, smoothing: 0.8, logY: true })).toBe(page);
  });

  it('setting an option on the page clears the panels\u2019 overrides of that option only', () => {
    let s = setPageOptions('', { ...D, smoothing: 0.5 });
    s = setPanelOptions(s, 'a', { ...D, smoothing: 0.9, logX: true });
    s = setPanelOptions(s, 'b', { ...D, smoothing: 0.2 });
    s = setPageOptions(s, { ...D, smoothing: 0.7 });
    expect(effectivePanelOptions(s, 'a')).toEqual({ ...D, smoothing: 0.7, logX: true });
    expect(effectivePanelOptions(s, 'b')).toEqual({ ...D, smoothing: 0.7 });
    expect(new URLSearchParams(s).has('po.b')).toBe(false);
    // Changing another option keeps the smoothing and log-x overrides as they are.
    s = setPanelOptions(s, 'a', { ...D, smoothing: 0.9, logX: true });
    s = setPageOptions(s, { ...D, smoothing: 0.7, logY: true });
    expect(effectivePanelOptions(s, 'a')).toEqual({ ...D, smoothing: 0.9, logX: true, logY: true });
    expect(effectivePanelOptions(s, 'b')).toEqual({ ...D, smoothing: 0.7, logY: true });
  });

  it('reads links written before the page bar existed exactly as before', () => {
    expect(effectivePanelOptions('?po.a=s0.6,ly', 'a')).toEqual({ ...D, smoothing: 0.6, logY: true });
    expect(effectivePanelOptions('?po.a=s0.6,ly', 'b')).toEqual(D);
  });
});
