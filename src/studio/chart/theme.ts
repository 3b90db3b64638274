import { useEffect, useState } from 'react';
import type { ChartTheme } from '../model/chart-options.js';
import { DARK_PALETTE, LIGHT_PALETTE } from '../model/palette.js';

/** Reads chart colors from the CSS variables of the current color scheme; series colours from the scheme's palette. */
export function readChartTheme(): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  return {
    text: v('--text', '#1a1d23'),
    muted: v('--muted', '#5f6673'),
    grid: v('--grid', '#e6e8ec'),
    odd: v('--odd', '#d32020'),
    palette: [...(dark ? DARK_PALETTE : LIGHT_PALETTE)],
    font: `11px ${v('--font', 'system-ui, sans-serif')}`,
  };
}

/** The chart theme, re-read when the system switches between light and dark. */
export function useChartTheme(): ChartTheme {
  const [theme, setTheme] = useState(readChartTheme);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const update = () => setTheme(readChartTheme());
    mq.addEventListener('change', update);
    return () => mq.removeEventListener('change', update);
  }, []);
  return theme;
}
