import { useId } from 'react';
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
 */
export function Legend({ rows, theme, hidden, onToggle, onOnly, filter, onFilter, atCursor }: Props) {
  const filterId = useId();
  const tools = rows.length > LEGEND_TOOLS_FROM;
  const needle = filter.trim().toLowerCase();
  const shown = needle ? rows.filter((r) => r.label.toLowerCase().includes(needle)) : rows;
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
        {shown.map((row) => {
          const off = hidden.has(row.key);
          const short = row.short;
          return (
            <li key={row.key} className="legend-entry">
              <button
                type="button"
                className={`legend-item${off ? ' off' : ''}`}
                aria-pressed={!off}
                title={`${off ? 'Show' : 'Hide'} ${row.label}`}
                onClick={() => onToggle(row.key)}
              >
                <span className="swatch" style={{ background: swatchBackground(seriesColor(theme, row.color), row.dash) }} />
                {short === row.label ? (
                  <span className="legend-key">{row.label}</span>
                ) : (
                  <>
                    <span className="legend-key" aria-hidden="true">{short}</span>
                    <span className="sr-only">{row.label}</span>
                  </>
                )}
                <span className="legend-value">{row.value}</span>
              </button>
              {tools && (
                <button type="button" className="legend-only" aria-label="Show only this series" title={`Show only ${row.label}`} onClick={() => onOnly(row.key)}>
                  only
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
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
