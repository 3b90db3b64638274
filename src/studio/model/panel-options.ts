/**
 * The "Panel options" of one chart panel (DESIGN.md): smoothing weight, log axes and which x the axis shows. Kept in the
 * page URL per panel as `po.<panel id>=<tokens>` with tokens joined by `,`: `s<weight>`, `a<algorithm>` (twema, gaussian;
 * absent: ema), `lx`, `ly`, `x<axis>`; a panel at the defaults has no parameter.
 */
import { SMOOTHING_ALGORITHMS, type SmoothingAlgorithm } from './smoothing.js';

export type XAxisChoice = 'units' | 'relative' | 'wall';

export interface PanelOptions {
  /** Smoothing weight, 0 (off) to 0.99. */
  smoothing: number;
  /** Which smoothing (model/smoothing.ts): TensorBoard's debiased EMA, W&B's time-weighted EMA, or a Gaussian kernel. */
  smoothingAlgorithm: SmoothingAlgorithm;
  logX: boolean;
  logY: boolean;
  xAxis: XAxisChoice;
}

export const DEFAULT_PANEL_OPTIONS: PanelOptions = { smoothing: 0, smoothingAlgorithm: 'ema', logX: false, logY: false, xAxis: 'units' };
export const MAX_SMOOTHING = 0.99;

const param = (panelId: string) => `po.${panelId}`;

/** The options of `panelId` in a search string; unknown or malformed tokens are ignored (a shared link never breaks). */
export function decodePanelOptions(search: string, panelId: string): PanelOptions {
  const raw = new URLSearchParams(search).get(param(panelId));
  const out = { ...DEFAULT_PANEL_OPTIONS };
  if (!raw) return out;
  for (const token of raw.split(',')) {
    if (token === 'lx') out.logX = true;
    else if (token === 'ly') out.logY = true;
    else if (token === 'xrelative' || token === 'xwall' || token === 'xunits') out.xAxis = token.slice(1) as XAxisChoice;
    else if (token.startsWith('a') && (SMOOTHING_ALGORITHMS as readonly string[]).includes(token.slice(1))) out.smoothingAlgorithm = token.slice(1) as SmoothingAlgorithm;
    else if (token.startsWith('s')) {
      const w = Number(token.slice(1));
      if (Number.isFinite(w)) out.smoothing = Math.min(MAX_SMOOTHING, Math.max(0, w));
    }
  }
  return out;
}

/** The search string with `panelId`'s options set (removed at the defaults), other parameters kept. */
export function encodePanelOptions(search: string, panelId: string, o: PanelOptions): string {
  const p = new URLSearchParams(search);
  const tokens = [
    ...(o.smoothing > 0 ? [`s${Number(o.smoothing.toFixed(3))}`] : []),
    ...(o.smoothingAlgorithm !== 'ema' ? [`a${o.smoothingAlgorithm}`] : []),
    ...(o.logX ? ['lx'] : []),
    ...(o.logY ? ['ly'] : []),
    ...(o.xAxis !== 'units' ? [`x${o.xAxis}`] : []),
  ];
  if (tokens.length > 0) p.set(param(panelId), tokens.join(','));
  else p.delete(param(panelId));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Values for a log scale: non-positive (and non-finite) values cannot be drawn there and become NaN gaps; how many did so
 * is returned so the panel can say it, rather than drop them silently.
 */
export function forLogScale(values: ArrayLike<number>): { values: Float64Array; nonPositive: number } {
  const out = new Float64Array(values.length);
  let nonPositive = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > 0) out[i] = v;
    else {
      out[i] = NaN;
      if (!Number.isNaN(v)) nonPositive++;
    }
  }
  return { values: out, nonPositive };
}

/** Tick values at every power of ten within [min, max] (both > 0), at least the two around the range. */
export function powerOfTenTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) out.push(Number(`1e${e}`));
  return out;
}
