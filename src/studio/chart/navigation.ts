import type uPlot from 'uplot';
import { dragSpan, navKey, panSpan, wheelFactor, zoomSpan, type Span } from '../model/navigation.js';
import type { SeriesBuffer } from '../model/series-buffer.js';

/** What the chart's navigation needs from its owner; y windows are in real values, keyed by y scale. */
export interface NavigationHooks {
  logX: () => boolean;
  logY: () => boolean;
  /** A new x view (committed a moment after the last wheel notch or drag move: one URL change and one refetch). */
  setX: (span: Span) => void;
  setY: (windows: ReadonlyMap<string, Span>) => void;
  /** `0` / double-click: back to the whole data (x and any y zoom). */
  reset: () => void;
  /** `f`: follow live data again (the x zoom dropped, the y range kept). */
  follow: () => void;
  /** A y scale's plot value ↔ its real value. */
  realY: (scale: string, plot: number) => number;
  plotY: (scale: string, real: number) => number;
}

/** How long after the last wheel notch or drag move the view is committed. */
const COMMIT_MS = 150;

/** The y scales of `u` with a window (every y-axis of the panel). */
function yScales(u: uPlot): string[] {
  return Object.keys(u.scales).filter((k) => k !== 'x' && u.scales[k]!.min != null && u.scales[k]!.max != null);
}

/**
 * Wheel, Shift+drag and keyboard navigation of one chart (issue #17): the wheel zooms x about the pointer, Ctrl/⌘+wheel
 * zooms y; Shift+drag pans x; on the focused chart `+`/`-` zoom, ←/→ pan, `0` resets, `f` follows live. The view moves
 * at once (uPlot's scale); the owner is told after a short pause. Returns a function removing the listeners.
 */
export function attachNavigation(u: uPlot, host: HTMLElement, hooks: NavigationHooks): () => void {
  let timer = 0;
  let pendingX: Span | null = null;
  let pendingY: Map<string, Span> | null = null;
  const flush = () => {
    window.clearTimeout(timer);
    if (pendingX) hooks.setX(pendingX);
    if (pendingY) hooks.setY(pendingY);
    pendingX = null;
    pendingY = null;
  };
  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, COMMIT_MS);
  };
  const xView = (): Span => pendingX ?? { from: u.scales.x!.min!, to: u.scales.x!.max! };
  const showX = (span: Span) => {
    // No window yet (an empty chart): nothing to zoom.
    if (!(Number.isFinite(span.from) && Number.isFinite(span.to) && span.to > span.from)) return;
    pendingX = span;
    u.setScale('x', { min: span.from, max: span.to });
    schedule();
  };
  const yView = (scale: string): Span =>
    pendingY?.get(scale) ?? { from: hooks.realY(scale, u.scales[scale]!.min!), to: hooks.realY(scale, u.scales[scale]!.max!) };
  const showY = (windows: Map<string, Span>) => {
    for (const [scale, w] of windows) if (!(Number.isFinite(w.from) && Number.isFinite(w.to) && w.to > w.from)) windows.delete(scale);
    if (windows.size === 0) return;
    pendingY = windows;
    for (const [scale, w] of windows) u.setScale(scale, { min: hooks.plotY(scale, w.from), max: hooks.plotY(scale, w.to) });
    schedule();
  };

  const onWheel = (e: WheelEvent) => {
    if (e.deltaY === 0) return;
    e.preventDefault();
    const factor = wheelFactor(e.deltaY, e.deltaMode);
    const rect = u.over.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey) {
      const top = e.clientY - rect.top;
      const windows = new Map<string, Span>();
      for (const scale of yScales(u)) {
        const anchor = hooks.realY(scale, u.posToVal(top, scale));
        windows.set(scale, zoomSpan(yView(scale), anchor, factor, hooks.logY()));
      }
      showY(windows);
      return;
    }
    const anchor = u.posToVal(e.clientX - rect.left, 'x');
    showX(zoomSpan(xView(), anchor, factor, hooks.logX()));
  };

  // Shift+drag pans: caught before uPlot's own mousedown (which would start a zoom selection).
  let drag: { x0: number; view: Span } | null = null;
  const onMove = (e: MouseEvent) => {
    if (!drag) return;
    showX(dragSpan(drag.view, e.clientX - drag.x0, u.over.clientWidth, hooks.logX()));
  };
  const onUp = () => {
    if (!drag) return;
    drag = null;
    host.classList.remove('chart-panning');
    window.removeEventListener('mousemove', onMove);
    window.removeEventListener('mouseup', onUp);
    flush();
  };
  const onDown = (e: MouseEvent) => {
    if (!e.shiftKey || e.button !== 0 || !u.over.contains(e.target as Node)) return;
    e.stopPropagation();
    e.preventDefault();
    drag = { x0: e.clientX, view: xView() };
    host.classList.add('chart-panning');
    window.addEventListener('mousemove', onMove);
    window.addEventListener('mouseup', onUp);
  };

  const onKey = (e: KeyboardEvent) => {
    const action = navKey(e.key, { ctrl: e.ctrlKey, meta: e.metaKey, alt: e.altKey, shift: e.shiftKey });
    if (!action) return;
    e.preventDefault();
    if (action.kind === 'zoom') {
      const v = xView();
      const mid = hooks.logX() ? Math.sqrt(v.from * v.to) : (v.from + v.to) / 2;
      showX(zoomSpan(v, mid, action.factor, hooks.logX()));
    } else if (action.kind === 'pan') showX(panSpan(xView(), action.fraction, hooks.logX()));
    else {
      window.clearTimeout(timer);
      pendingX = pendingY = null;
      if (action.kind === 'reset') hooks.reset();
      else hooks.follow();
    }
  };

  u.over.addEventListener('wheel', onWheel, { passive: false });
  host.addEventListener('mousedown', onDown, true);
  host.addEventListener('keydown', onKey);
  return () => {
    flush();
    onUp();
    u.over.removeEventListener('wheel', onWheel);
    host.removeEventListener('mousedown', onDown, true);
    host.removeEventListener('keydown', onKey);
  };
}

/**
 * The windows a box zoom selected, or null for a plain x selection. uPlot's selection (CSS px within the plot) spans the
 * full height when only x was dragged; otherwise each y scale gets the real values at the box's top and bottom.
 */
export function boxWindows(u: uPlot, realY: (scale: string, plot: number) => number): Map<string, Span> | null {
  const plotHeight = u.over.clientHeight;
  const { top, height } = u.select;
  if (!(height > 4) || height >= plotHeight - 1) return null;
  const out = new Map<string, Span>();
  for (const scale of yScales(u)) {
    const a = realY(scale, u.posToVal(top + height, scale));
    const b = realY(scale, u.posToVal(top, scale));
    if (Number.isFinite(a) && Number.isFinite(b) && b > a) out.set(scale, { from: a, to: b });
  }
  return out.size > 0 ? out : null;
}

/**
 * Marks values drawn outside their y window (a fixed range or "ignore outliers"): a small triangle at the top or bottom
 * edge at the value's x, in the line's colour, so a clipped spike is never silently invisible. It reads the drawn lines
 * (`lines()`: per panel line, its own x and its values in plot units, every point drawn), not uPlot's aligned table, which
 * holds only a sample of them while the line layer draws (plot-frame.ts `sampled`).
 */
export function clipMarkersPlugin(active: () => boolean, color: (line: number) => string, lines: () => readonly SeriesBuffer[] | null): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const drawn = lines();
        if (!active() || !drawn) return;
        const { ctx } = u;
        const size = 4 * (u.bbox.width / Math.max(1, u.over.clientWidth) || 1);
        const left = u.bbox.left;
        const right = left + u.bbox.width;
        ctx.save();
        for (let i = 1; i < u.series.length; i++) {
          const s = u.series[i]!;
          const line = drawn[i - 1];
          if (!s.show || !s.scale || !line) continue;
          const sc = u.scales[s.scale]!;
          if (sc.min == null || sc.max == null) continue;
          ctx.fillStyle = color(i - 1);
          let lastPx = -Infinity;
          const xs = line.x;
          const ys = line.y;
          for (let j = 0; j < line.length; j++) {
            const v = ys[j]!;
            if (!Number.isFinite(v) || (v >= sc.min && v <= sc.max)) continue;
            const px = u.valToPos(xs[j]!, 'x', true);
            if (px < left || px > right || px - lastPx < size) continue;
            lastPx = px;
            const above = v > sc.max;
            const edge = above ? u.bbox.top : u.bbox.top + u.bbox.height;
            const base = above ? edge + size * 1.6 : edge - size * 1.6;
            ctx.beginPath();
            ctx.moveTo(px, edge);
            ctx.lineTo(px - size, base);
            ctx.lineTo(px + size, base);
            ctx.closePath();
            ctx.fill();
          }
        }
        ctx.restore();
      },
    },
  };
}
