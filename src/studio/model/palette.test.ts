/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrastRatio, DARK_PALETTE, LIGHT_PALETTE, oklabDistance, paletteColor } from './palette.js';

/** The custom properties of styles.css: the light scheme (`:root`), and the dark one laid over it. */
function schemes(): { light: Record<string, string>; dark: Record<string, string> } {
  const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8');
  const vars = (block: string) => Object.fromEntries([...block.matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;/g)].map((m) => [m[1]!, m[2]!]));
  const darkStart = css.indexOf('@media (prefers-color-scheme: dark)');
  const light = vars(css.slice(0, darkStart));
  return { light, dark: { ...light, ...vars(css.slice(darkStart, css.indexOf('\n}\n', darkStart))) } };
}

const TEXT = ['--text', '--muted', '--accent', '--running', '--succeeded', '--failed', '--cancelled', '--lost', '--value-number', '--value-string', '--value-boolean'];
const BACKGROUNDS = ['--bg', '--panel', '--hover', '--code-bg'];

describe('colours meet WCAG AA in both schemes', () => {
  for (const [name, vars] of Object.entries(schemes())) {
    it(`${name}: every text colour has at least 4.5:1 against every background (status badges included)`, () => {
      const failures: string[] = [];
      for (const fg of TEXT) {
        for (const bg of BACKGROUNDS) {
          const ratio = contrastRatio(vars[fg]!, vars[bg]!);
          if (ratio < 4.5) failures.push(`${fg} on ${bg}: ${ratio.toFixed(2)}`);
        }
      }
      expect(contrastRatio(vars['--on-accent']!, vars['--accent']!)).toBeGreaterThanOrEqual(4.5);
      expect(failures).toEqual([]);
    });
  }

  it('series colours: at least 3:1 against the panel, at least 20 told apart (OKLab distance ≥ 0.045)', () => {
    const { light, dark } = schemes();
    for (const [palette, panel] of [[LIGHT_PALETTE, light['--panel']!], [DARK_PALETTE, dark['--panel']!]] as const) {
      expect(palette.length).toBeGreaterThanOrEqual(20);
      for (const c of palette) expect(contrastRatio(c, panel), c).toBeGreaterThanOrEqual(3);
      for (let i = 0; i < palette.length; i++) {
        for (let j = i + 1; j < palette.length; j++) expect(oklabDistance(palette[i]!, palette[j]!), `${palette[i]} vs ${palette[j]}`).toBeGreaterThanOrEqual(0.045);
      }
    }
  });

  it('the yellow that failed (2.27:1 on white) is gone, and colours repeat only after the whole palette', () => {
    expect(contrastRatio('#d9a400', '#ffffff')).toBeLessThan(3);
    expect(LIGHT_PALETTE).not.toContain('#d9a400');
    expect(paletteColor(LIGHT_PALETTE, 24)).toBe(LIGHT_PALETTE[0]);
    expect(new Set(Array.from({ length: 24 }, (_, i) => paletteColor(DARK_PALETTE, i))).size).toBe(24);
  });
});
