import { memo, useCallback, useId, useLayoutEffect, useRef } from 'react';
import { seriesColor, type ChartTheme } from '../model/chart-options.js';
import type { ReadoutRow } from '../model/readout.js';

/** A legend with more entries than this gets a filter box and "show only this" buttons. */
export const LEGEND_TOOLS_FROM = 10;

interface Props {
  rows: ReadoutRow[];
  theme: ChartTheme;
  hidden: ReadonlySet<string>;
  onToggle: (key: string) => void;
  /** Show this series alone (or everything again when it already is alone). */
  onOnly: (key: string) => void;
  filter: string;
  onFilter: (text: string) => void;
  /** The values are at the cursor rather than the latest. */
  atCursor: boolean;
}

/**
 * Each series: colour swatch, key and value (the latest, or at the cursor while it is over the chart); clicking hides or
 * shows it. Long keys are shortened in the middle on screen; the full key stays in the text (for assistive tech and find
 * in page) and shows on hover. Beyond LEGEND_TOOLS_FROM entries: a filter box (the chart draws only matching series)
 * and a "show only this" button per entry.
 *
 * Live data changes only the values: the entries are memoised (nothing in them depends on the value) and each value is
 * written straight into its text node after the render, when it differs — 50 series streaming cost 50 text writes per
 * frame rather than a re-render of 50 entries.
 */
export function Legend({ rows, theme, hidden, onToggle, onOnly, filter, onFilter, atCursor }: Props) {
  const filterId = useId();
  const tools = rows.length > LEGEND_TOOLS_FROM;
  const needle = filter.trim().toLowerCase();
  const shown = needle ? rows.filter((r) => r.label.toLowerCase().includes(needle)) : rows;
  // Entries get stable handlers, so a new closure from the parent does not re-render them.
  const handlers = useRef({ onToggle, onOnly });
  handlers.current = { onToggle, onOnly };
  const toggle = useCallback((key: string) => handlers.current.onToggle(key), []);
  const only = useCallback((key: string) => handlers.current.onOnly(key), []);
  const valueNodes = useRef(new Map<string, HTMLSpanElement>());
  const valueRef = useCallback((key: string, el: HTMLSpanElement | null) => {
    if (el) valueNodes.current.set(key, el);
    else valueNodes.current.delete(key);
  }, []);
  // By element, not key: an entry filtered out and back is a new element whose box must be sized again.
  const reserved = useRef(new WeakMap<HTMLSpanElement, number>());
  // All values are written in one pass. Each value box is as wide as the longest value it has shown (it only grows), so
  // entries do not shift back and forth as values change length; and its size does not depend on its text (CSS `contain:
  // size layout`), so writing a value lays out that box alone, not the page. Layout is read only when a box was widened:
  // the width is an estimate (`valueWidthCh`), and a value it does not hold widens its box to fit.
  useLayoutEffect(() => {
    let widened: HTMLSpanElement[] | null = null;
    for (const row of shown) {
      const el = valueNodes.current.get(row.key);
      if (!el) continue;
      const text = el.firstChild;
      if (text?.nodeType === Node.TEXT_NODE) {
        if (text.nodeValue === row.value) continue;
        text.nodeValue = row.value;
      } else el.textContent = row.value;
      const width = valueWidthCh(row.value);
      if (width > (reserved.current.get(el) ?? 0)) {
        reserved.current.set(el, width);
        el.style.width = `${width}ch`;
        (widened ??= []).push(el);
      }
    }
    if (widened) fitAfterCommit(widened);
  });
  return (
    <div className={`legend-wrap${atCursor ? ' at-cursor' : ''}`}>
      {tools && (
        <div className="legend-tools">
          <label htmlFor={filterId} className="sr-only">Filter series</label>
          <input id={filterId} type="search" className="legend-filter" placeholder={`Filter ${rows.length} series…`} value={filter} onChange={(e) => onFilter(e.target.value)} />
          {needle && <span className="muted legend-count">{shown.length} of {rows.length}</span>}
        </div>
      )}
      <ul className="legend" aria-label="Legend">
        {shown.map((row) => (
          <LegendEntry
            key={row.key}
            rowKey={row.key}
            label={row.label}
            short={row.short}
            color={seriesColor(theme, row.color)}
            dash={row.dash}
            off={hidden.has(row.key)}
            tools={tools}
            onToggle={toggle}
            onOnly={only}
            valueRef={valueRef}
          />
        ))}
      </ul>
    </div>
  );
}

interface EntryProps {
  rowKey: string;
  label: string;
  short: string;
  color: string;
  dash: number[] | undefined;
  off: boolean;
  tools: boolean;
  onToggle: (key: string) => void;
  onOnly: (key: string) => void;
  /** Registers the entry's value text box (its text is written by the legend, never rendered here). */
  valueRef: (key: string, el: HTMLSpanElement | null) => void;
}

const LegendEntry = memo(function LegendEntry({ rowKey, label, short, color, dash, off, tools, onToggle, onOnly, valueRef }: EntryProps) {
  const setValue = useCallback((el: HTMLSpanElement | null) => valueRef(rowKey, el), [valueRef, rowKey]);
  return (
    <li className="legend-entry">
      <button
        type="button"
        className={`legend-item${off ? ' off' : ''}`}
        aria-pressed={!off}
        title={`${off ? 'Show' : 'Hide'} ${label}`}
        onClick={() => onToggle(rowKey)}
      >
        <span className="swatch" style={{ background: swatchBackground(color, dash) }} />
        {short === label ? (
          <span className="legend-key">{label}</span>
        ) : (
          <>
            <span className="legend-key" aria-hidden="true">{short}</span>
            <span className="sr-only">{label}</span>
          </>
        )}
        {/* The value's text lives in a box of its own inside the flex item: a flex item is never laid out alone, the box is. */}
        <span className="legend-value fixed"><span className="legend-value-text" ref={setValue} /></span>
      </button>
      {tools && (
        <button type="button" className="legend-only" aria-label="Show only this series" title={`Show only ${label}`} onClick={() => onOnly(rowKey)}>
          only
        </button>
      )}
    </li>
  );
}, (a, b) => a.rowKey === b.rowKey && a.label === b.label && a.short === b.short && a.color === b.color && a.off === b.off && a.tools === b.tools
  && a.onToggle === b.onToggle && a.onOnly === b.onOnly && a.valueRef === b.valueRef && (a.dash ?? []).join() === (b.dash ?? []).join());

/**
 * Widens each box to its text if the estimate was short: at once (layout is read), or for a box in a panel the browser
 * skips while it is far from the screen (`.panel-far`), once it comes into view — an IntersectionObserver reports it after
 * the browser's own layout, every such box of a frame at once. Measured box by box inside skipped panels, a page mounting
 * 2,000 panels laid out for a minute.
 */
function fitAfterCommit(boxes: readonly HTMLElement[]): void {
  const later = typeof IntersectionObserver === 'undefined' ? [] : boxes.filter((el) => el.closest('.panel-far') !== null);
  fit(later.length === 0 ? boxes : boxes.filter((el) => !later.includes(el)));
  if (later.length === 0) return;
  fitter ??= new IntersectionObserver((entries) => {
    const shown = entries.filter((e) => e.isIntersecting).map((e) => e.target as HTMLElement);
    for (const el of shown) fitter!.unobserve(el);
    fit(shown);
  });
  for (const el of later) fitter.observe(el);
}

/** All reads, then all writes: one layout for the lot. */
function fit(boxes: readonly HTMLElement[]): void {
  const widths = boxes.map((el) => (el.scrollWidth > el.clientWidth ? el.scrollWidth : 0));
  boxes.forEach((el, i) => {
    if (widths[i]! > 0) el.style.width = `${widths[i]}px`;
  });
}

let fitter: IntersectionObserver | null = null;

/**
 * The width a legend value needs, in `ch` (the width of a digit, which tabular-nums gives every digit): digits and
 * separators take one, anything else (minus sign, exponent, unit letters, the em dash of no value) is given two.
 */
export function valueWidthCh(text: string): number {
  let ch = 0;
  for (const c of text) ch += /[0-9.,: ]/.test(c) ? 1 : 2;
  return ch;
}

/** A solid colour, or the line's dash pattern as a horizontal gradient (so a dashed series reads dashed in the legend). */
function swatchBackground(color: string, dash: number[] | undefined): string {
  if (!dash || dash.length === 0) return color;
  const stops: string[] = [];
  let at = 0;
  const scale = 0.5; // the swatch is 12 px wide: half-size dashes show a whole pattern
  for (const [i, len] of dash.entries()) {
    const c = i % 2 === 0 ? color : 'transparent';
    stops.push(`${c} ${at}px ${at + len * scale}px`);
    at += len * scale;
  }
  return `repeating-linear-gradient(90deg, ${stops.join(', ')})`;
}
