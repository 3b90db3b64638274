import type uPlot from 'uplot';

/**
 * Marks where a series has NaN or ±Infinity: the line already breaks there (the value is a null gap); this draws a small
 * tick in the series' color, capped by a red mark, at the bottom of the plot, so a gap is never mistaken for missing data.
 * `oddX()` returns, per drawn series (index 1…), the x positions of its non-finite values.
 */
export function gapMarkersPlugin(oddX: () => number[][], color: string): uPlot.Plugin {
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
            ctx.fillStyle = color;
            ctx.globalAlpha = 0.12;
            ctx.fillRect(cx - px, top, 2 * px, height);
            ctx.globalAlpha = 1;
            ctx.fillStyle = (stroke as string | undefined) ?? color;
            ctx.fillRect(cx - px, top + height - 10 * px, 2 * px, 10 * px);
            ctx.fillStyle = color;
            ctx.fillRect(cx - 3 * px, top + height - 12 * px, 6 * px, 3 * px);
          }
        });
        ctx.restore();
      },
    },
  };
}
