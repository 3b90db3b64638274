import type uPlot from 'uplot';
import { lowerBound, type SeriesBuffer } from '../model/series-buffer.js';

/** Which non-finite value a gap is: NaN, +Infinity or −Infinity. */
export type OddKind = 'nan' | 'pos' | 'neg';

/** The kind of the non-finite value of `line` at `x` (NaN when the line has no such point there, or none is given). */
export function oddKindAt(line: SeriesBuffer | undefined, x: number): OddKind {
  if (!line) return 'nan';
  const i = lowerBound(line, x);
  const v = i < line.length && line.x[i] === x ? line.y[i]! : NaN;
  return v === Infinity ? 'pos' : v === -Infinity ? 'neg' : 'nan';
}

/**
 * Marks where a series has NaN or ±Infinity: the line already breaks there (the value is a null gap); this draws a faint
 * dashed line through the plot and a marker in red with a bar in the series' color, so a gap is never mistaken for
 * missing data. The marker tells the value: +∞ a triangle pointing up at the top edge, −∞ one pointing down at the bottom
 * edge, NaN a ring at the bottom (the tooltip at that x names it too).
 * `oddX()` returns, per drawn series (index 1…), the x positions of its non-finite values; `lines()` the drawn lines
 * (panel order, values as they are: plot-frame.ts `PlotData.lines`), read for which value each is.
 */
export function gapMarkersPlugin(oddX: () => number[][], color: string, lines: () => readonly SeriesBuffer[] | null = () => null): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const lists = oddX();
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        const px = Math.max(1, u.bbox.width / Math.max(1, u.width));
        const xMin = u.scales.x?.min ?? -Infinity;
        const xMax = u.scales.x?.max ?? Infinity;
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, top, width, height);
        ctx.clip();
        lists.forEach((xs, i) => {
          const series = u.series[i + 1];
          if (!series?.show || xs.length === 0) return;
          const stroke = typeof series.stroke === 'function' ? series.stroke(u, i + 1) : series.stroke;
          let lastPx = -Infinity;
          for (const x of xs) {
            if (x < xMin || x > xMax) continue;
            const cx = Math.round(u.valToPos(x, 'x', true));
            if (cx - lastPx < 2 * px) continue;
            lastPx = cx;
            // A faint dashed line through the plot, and a solid marker at the bottom in the series' color with a red cap.
            ctx.strokeStyle = color;
            ctx.globalAlpha = 0.45;
            ctx.lineWidth = px;
            ctx.setLineDash([3 * px, 3 * px]);
            ctx.beginPath();
            ctx.moveTo(cx, top);
            ctx.lineTo(cx, top + height);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.globalAlpha = 1;
            const kind = oddKindAt(lines()?.[i], x);
            const bottom = top + height;
            ctx.fillStyle = color;
            ctx.strokeStyle = color;
            ctx.beginPath();
            if (kind === 'pos') {
              // ▲ at the top edge, the series' bar under it.
              ctx.moveTo(cx, top);
              ctx.lineTo(cx + 5 * px, top + 9 * px);
              ctx.lineTo(cx - 5 * px, top + 9 * px);
              ctx.closePath();
              ctx.fill();
            } else if (kind === 'neg') {
              // ▼ at the bottom edge.
              ctx.moveTo(cx, bottom);
              ctx.lineTo(cx + 5 * px, bottom - 9 * px);
              ctx.lineTo(cx - 5 * px, bottom - 9 * px);
              ctx.closePath();
              ctx.fill();
            } else {
              // ○ at the bottom.
              ctx.lineWidth = 2 * px;
              ctx.arc(cx, bottom - 7 * px, 4 * px, 0, 2 * Math.PI);
              ctx.stroke();
            }
            ctx.fillStyle = (stroke as string | undefined) ?? color;
            ctx.fillRect(cx - 4 * px, kind === 'pos' ? top + 9 * px : bottom - 2 * px, 8 * px, 2 * px);
          }
        });
        ctx.restore();
      },
    },
  };
}
