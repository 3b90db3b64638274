import type uPlot from 'uplot';

export interface TooltipRow {
  label: string;
  color: string;
  value: string;
}

/**
 * A small tooltip that follows the cursor over the plot and lists the values at the cursor's x.
 * `describe(idx)` returns the heading and rows for the data index under the cursor (null hides it).
 */
export function tooltipPlugin(describe: (u: uPlot, idx: number) => { title: string; rows: TooltipRow[] } | null): uPlot.Plugin {
  let el: HTMLDivElement | null = null;
  return {
    hooks: {
      init: (u) => {
        el = document.createElement('div');
        el.className = 'chart-tooltip';
        el.style.display = 'none';
        u.over.appendChild(el);
        u.over.addEventListener('mouseleave', () => {
          if (el) el.style.display = 'none';
        });
      },
      setCursor: (u) => {
        if (!el) return;
        const idx = u.cursor.idx;
        const left = u.cursor.left ?? -1;
        const content = idx === null || idx === undefined || left < 0 ? null : describe(u, idx);
        if (!content) {
          el.style.display = 'none';
          return;
        }
        el.replaceChildren();
        const title = document.createElement('div');
        title.className = 'chart-tooltip-title';
        title.textContent = content.title;
        el.appendChild(title);
        for (const row of content.rows) {
          const line = document.createElement('div');
          line.className = 'chart-tooltip-row';
          const sw = document.createElement('span');
          sw.className = 'swatch';
          sw.style.background = row.color;
          const label = document.createElement('span');
          label.className = 'chart-tooltip-label';
          label.textContent = row.label;
          const value = document.createElement('span');
          value.className = 'chart-tooltip-value';
          value.textContent = row.value;
          line.append(sw, label, value);
          el.appendChild(line);
        }
        el.style.display = 'block';
        const overW = u.over.clientWidth;
        const w = el.offsetWidth;
        const x = left + 14 + w > overW ? left - 14 - w : left + 14;
        el.style.transform = `translate(${Math.max(0, x)}px, ${Math.max(0, (u.cursor.top ?? 0) - 10)}px)`;
      },
    },
  };
}
