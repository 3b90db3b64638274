import type uPlot from 'uplot';

/**
 * Marks where a series has NaN or ±Infinity: the line already breaks there (the value is a null gap); this draws a small
 * red triangle (underlined in the series' color) at the bottom of the plot and a faint dashed line through it, so a gap is
 * never mistaken for missing data.
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
            ctx.fillStyle = color;
            ctx.beginPath();
            ctx.moveTo(cx, top + height - 9 * px);
            ctx.lineTo(cx + 5 * px, top + height);
            ctx.lineTo(cx - 5 * px, top + height);
            ctx.closePath();
            ctx.fill();
            ctx.fillStyle = (stroke as string | undefined) ?? color;
            ctx.fillRect(cx - 4 * px, top + height - 2 * px, 8 * px, 2 * px);
          }
        });
        ctx.restore();
      },
    },
  };
}
