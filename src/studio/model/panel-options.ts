/**
 * The "Panel options" of one chart panel (DESIGN.md): smoothing weight, log axes and which x the axis shows. Kept in the
 * page URL per panel as `po.<panel id>=<tokens>` with tokens joined by `,`: `s<weight>`, `a<algorithm>` (ema, twema,
 * gaussian), `lx`/`lx0`, `ly`/`ly0`, `x<axis>`. A panel's tokens are read over a base — the page-level options
 * (page-options.ts), else the defaults — and only what differs from that base is written, so a panel matching the page
 * has no parameter.
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

/** The URL parameter of the page-level options (the bar over all panels). */
export const PAGE_OPTIONS_PARAM = 'po';

/**
 * The options of `panelId` in a search string, its tokens applied over `base`; unknown or malformed tokens are ignored
 * (a shared link never breaks).
 */
export function decodePanelOptions(search: string, panelId: string, base: PanelOptions = DEFAULT_PANEL_OPTIONS): PanelOptions {
  return decodeOptionTokens(new URLSearchParams(search).get(param(panelId)), base);
}

/** `raw` (comma-joined tokens, or null) applied over `base`. */
export function decodeOptionTokens(raw: string | null, base: PanelOptions = DEFAULT_PANEL_OPTIONS): PanelOptions {
  const out = { ...base };
  if (!raw) return out;
  for (const token of raw.split(',')) {
    if (token === 'lx' || token === 'lx0') out.logX = token === 'lx';
    else if (token === 'ly' || token === 'ly0') out.logY = token === 'ly';
    else if (token === 'xrelative' || token === 'xwall' || token === 'xunits') out.xAxis = token.slice(1) as XAxisChoice;
    else if (token.startsWith('a') && (SMOOTHING_ALGORITHMS as readonly string[]).includes(token.slice(1))) out.smoothingAlgorithm = token.slice(1) as SmoothingAlgorithm;
    else if (token.startsWith('s')) {
      const w = Number(token.slice(1));
      if (Number.isFinite(w)) out.smoothing = Math.min(MAX_SMOOTHING, Math.max(0, w));
    }
  }
  return out;
}

/** The search string with `panelId`'s options set as what differs from `base` (removed when nothing does), other parameters kept. */
export function encodePanelOptions(search: string, panelId: string, o: PanelOptions, base: PanelOptions = DEFAULT_PANEL_OPTIONS): string {
  return withParam(search, param(panelId), encodeOptionTokens(o, base));
}

/** The tokens of `o` that differ from `base`, comma-joined ('' when none do). */
export function encodeOptionTokens(o: PanelOptions, base: PanelOptions = DEFAULT_PANEL_OPTIONS): string {
  const round = (w: number) => Number(w.toFixed(3));
  return [
    ...(round(o.smoothing) !== round(base.smoothing) ? [`s${round(o.smoothing)}`] : []),
    ...(o.smoothingAlgorithm !== base.smoothingAlgorithm ? [`a${o.smoothingAlgorithm}`] : []),
    ...(o.logX !== base.logX ? [o.logX ? 'lx' : 'lx0'] : []),
    ...(o.logY !== base.logY ? [o.logY ? 'ly' : 'ly0'] : []),
    ...(o.xAxis !== base.xAxis ? [`x${o.xAxis}`] : []),
  ].join(',');
}

/** `search` with parameter `name` set to `value` (removed when ''), other parameters kept. */
export function withParam(search: string, name: string, value: string): string {
  const p = new URLSearchParams(search);
  if (value) p.set(name, value);
  else p.delete(name);
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

/**
 * What a log scale leaves out of a panel, counted among the points the tab holds of the shown lines: `x` points with
 * x ≤ 0 (Log x), `y` values ≤ 0 in the x window in view (Log y; NaN is a gap anyway). `exact` when every counted line is
 * held at full resolution (the counts are then those of the stored points); a line held downsampled (per-pixel
 * first/min/max/last) holds only some of its stored points, so the counts are then a lower bound — which is what
 * `nonPositiveNote` says.
 */
export interface NonPositiveCount {
  x: number;
  y: number;
  exact: boolean;
}

/** Held points of `lines` (those not `hidden`) a log scale cannot draw (see NonPositiveCount); `from`/`to`: the x window in view. */
export function nonPositiveInView(
  lines: ReadonlyArray<{ key: string; held: { x: ArrayLike<number>; y: ArrayLike<number>; length: number; downsampled: boolean } }>,
  opts: { logX: boolean; logY: boolean; from?: number | undefined; to?: number | undefined; hidden?: ReadonlySet<string> | undefined },
): NonPositiveCount {
  // Linear axes leave nothing out: no need to read a point (a live chart asks on every redraw).
  if (!opts.logX && !opts.logY) return { x: 0, y: 0, exact: true };
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  let x = 0;
  let y = 0;
  let exact = true;
  for (const { key, held } of lines) {
    if (opts.hidden?.has(key)) continue;
    let counted = false;
    for (let i = 0; i < held.length; i++) {
      const xi = held.x[i]!;
      if (opts.logX && !(xi > 0)) {
        x++;
        counted = true;
        continue;
      }
      const v = held.y[i]!;
      if (opts.logY && xi >= from && xi <= to && v <= 0) {
        y++;
        counted = true;
      }
    }
    if (counted && held.downsampled) exact = false;
  }
  return { x, y, exact };
}

/**
 * The note under a panel on a log scale: `3 values ≤ 0 in view not drawn on the log scale.`; `At least 3 …` when the
 * count is a lower bound (a line held downsampled); null when nothing is left out.
 */
export function nonPositiveNote(n: NonPositiveCount, logX: boolean, logY: boolean): string | null {
  const parts = [
    logX && n.x > 0 ? `${n.x.toLocaleString('en-US')} ${n.x === 1 ? 'point' : 'points'} with x ≤ 0` : '',
    logY && n.y > 0 ? `${n.y.toLocaleString('en-US')} ${n.y === 1 ? 'value' : 'values'} ≤ 0 in view` : '',
  ].filter(Boolean);
  if (parts.length === 0) return null;
  return `${n.exact ? '' : 'At least '}${parts.join(' and ')} not drawn on the log scale.`;
}
