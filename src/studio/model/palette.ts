/**
 * Series colours, one palette per colour scheme: 24 colours, each with at least 3:1 contrast against its scheme's panel
 * background (WCAG 2.x non-text contrast) and at least 0.045 apart from every other in OKLab (about twice a just-noticeable
 * difference). They were picked on two lightness rings of OKLCH hue circles, then ordered so that neighbours in a legend
 * differ most. A panel with more series than colours reuses them in order.
 */

export const LIGHT_PALETTE: readonly string[] = [
  '#0056ef', '#ef4b0b', '#0c8000', '#a404b9', '#189cb7', '#a38b09', '#c30b2d', '#737afc', '#e232c2', '#10777e', '#719d00', '#a14f09',
  '#7530e8', '#fc1572', '#04729b', '#0da666', '#c37806', '#b44fff', '#bb0176', '#0e91ea', '#047b62', '#876207', '#0da197', '#6b6f00',
];

export const DARK_PALETTE: readonly string[] = [
  '#4087fd', '#fe2049', '#96c406', '#ca43e7', '#f99603', '#0f99c9', '#c797fd', '#33a803', '#f024a1', '#d8670e', '#1ec5e4', '#8f6dfd',
  '#d0af07', '#fe75e5', '#13d27b', '#63b9fe', '#179fa5', '#b5820c', '#fe85a4', '#1dcbbc', '#9babfd', '#0ba480', '#929213', '#ff8c70',
];

/** The colour of the `index`-th series of a panel. */
export function paletteColor(palette: readonly string[], index: number): string {
  return palette[((index % palette.length) + palette.length) % palette.length] ?? '#000000';
}

/** `#rrggbb` (or `#rgb`) → sRGB channels 0…1. */
export function parseHex(hex: string): [number, number, number] {
  let h = hex.trim().replace(/^#/, '');
  if (h.length === 3) h = h.split('').map((c) => c + c).join('');
  if (!/^[0-9a-f]{6}$/i.test(h)) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255) as [number, number, number];
}

const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

/** WCAG 2.x relative luminance. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map(linear) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.x contrast ratio of two colours, 1…21 (text needs 4.5, graphics 3). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Euclidean distance in OKLab (Björn Ottosson, 2020): about 0.02 is just noticeable. */
export function oklabDistance(a: string, b: string): number {
  const [l1, a1, b1] = oklab(a);
  const [l2, a2, b2] = oklab(b);
  return Math.hypot(l1 - l2, a1 - a2, b1 - b2);
}

function oklab(hex: string): [number, number, number] {
  const [r, g, b] = parseHex(hex).map(linear) as [number, number, number];
  const l = Math.cbrt(0.4122214708 * r + 0.5363137922 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [
    0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
    1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  ];
}
