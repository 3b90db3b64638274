import { seriesColor, type ChartTheme } from '../model/chart-options.js';
import { formatNumber } from '../model/format.js';
import type { LineSeriesModel } from '../model/panels.js';
import { lastY, type SeriesBuffer } from '../model/series-buffer.js';

interface Props {
  lines: LineSeriesModel[];
  series: Map<string, SeriesBuffer>;
  theme: ChartTheme;
  hidden: ReadonlySet<string>;
  onToggle: (key: string) => void;
}

/** Each series: color swatch, key and latest value; clicking hides or shows it. */
export function Legend({ lines, series, theme, hidden, onToggle }: Props) {
  return (
    <ul className="legend" aria-label="Legend">
      {lines.map((line) => {
        const s = series.get(line.key);
        const off = hidden.has(line.key);
        return (
          <li key={line.key}>
            <button
              type="button"
              className={`legend-item${off ? ' off' : ''}`}
              aria-pressed={!off}
              title={off ? `Show ${line.label}` : `Hide ${line.label}`}
              onClick={() => onToggle(line.key)}
            >
              <span className="swatch" style={{ background: seriesColor(theme, line.color) }} />
              <span className="legend-key">{line.label}</span>
              <span className="legend-value">{s ? formatNumber(lastY(s)) : '—'}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
