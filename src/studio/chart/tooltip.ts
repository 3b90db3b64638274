import type uPlot from 'uplot';

export interface TooltipRow {
  label: string;
  color: string;
  value: string;
  /** A second line under the row (smoothing on: the raw value and its x), wrapped rather than cut on a narrow screen. */
  note?: string;
}

/**
 * The data index the cursor shows (tooltip, hover dots, legend at the cursor), or null: none while the cursor is off the
 * plot, and none when the nearest point uPlot picked lies outside the x range in view (a zoom past the data's end, e.g.
 * after a rewind: the nearest point is then the last one, off screen).
 */
export function cursorIndex(u: uPlot): number | null {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined || (u.cursor.left ?? -1) < 0) return null;
  const x = u.data[0][idx];
  const { min, max } = u.scales.x ?? {};
  if (x === undefined || (min != null && x < min) || (max != null && x > max)) return null;
  return idx;
}

/**
 * A tooltip over the plot listing the value of every visible series at the cursor's x. With many series it is as tall
 * as the plot and scrolls: the mouse wheel over the plot scrolls it (the chart itself does not use the wheel).
 * `describe(idx)` returns the heading and rows for the data index under the cursor (null hides it).
 */
export function tooltipPlugin(describe: (u: uPlot, idx: number) => { title: string; rows: TooltipRow[] } | null): uPlot.Plugin {
  let el: HTMLDivElement | null = null;
  let list: HTMLDivElement | null = null;
  const hide = () => {
    if (el) el.style.display = 'none';
  };
  return {
    hooks: {
      init: (u) => {
        el = document.createElement('div');
        el.className = 'chart-tooltip';
        el.style.display = 'none';
        u.over.appendChild(el);
        u.over.addEventListener('mouseleave', hide);
        u.over.addEventListener('wheel', (e) => {
          if (!list || el?.style.display === 'none' || list.scrollHeight <= list.clientHeight) return;
          list.scrollTop += e.deltaY;
          e.preventDefault();
        }, { passive: false });
      },
      setCursor: (u) => {
        if (!el) return;
        const idx = cursorIndex(u);
        const left = u.cursor.left ?? -1;
        const content = idx === null ? null : describe(u, idx);
        if (!content) {
          hide();
          return;
        }
        const scroll = list?.scrollTop ?? 0;
        el.replaceChildren();
        const title = document.createElement('div');
        title.className = 'chart-tooltip-title';
        title.textContent = content.title;
        list = document.createElement('div');
        list.className = 'chart-tooltip-rows';
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
          if (row.note !== undefined) {
            const note = document.createElement('span');
            note.className = 'chart-tooltip-note';
            note.textContent = row.note;
            line.appendChild(note);
          }
          list.appendChild(line);
        }
        el.append(title, list);
        el.style.display = 'flex';
        const overW = u.over.clientWidth;
        const overH = u.over.clientHeight;
        el.style.maxHeight = `${Math.max(60, overH)}px`;
        el.style.maxWidth = `${Math.max(160, overW)}px`;
        list.scrollTop = scroll;
        const w = el.offsetWidth;
        const h = el.offsetHeight;
        const x = left + 14 + w > overW ? left - 14 - w : left + 14;
        const y = Math.min(Math.max(0, (u.cursor.top ?? 0) - 10), Math.max(0, overH - h));
        el.style.transform = `translate(${Math.max(0, Math.min(x, overW - w))}px, ${y}px)`;
      },
    },
  };
}
