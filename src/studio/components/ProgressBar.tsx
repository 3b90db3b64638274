import type { ExecutionStatus } from '../../protocol/index.js';
import { formatDuration, formatNumber } from '../model/format.js';
import type { ProgressModel } from '../model/panels.js';
import { progressState } from '../model/progress.js';
import type { SeriesBuffer } from '../model/series-buffer.js';

/**
 * A progress scale: percentage, count/upper, rate and ETA; without an upper bound an indeterminate bar with count and rate.
 * The bar of an ended execution stops: no rate, no ETA, and the colour of its status (DESIGN.md).
 */
export function ProgressBar({ model, series, status }: { model: ProgressModel; series: SeriesBuffer | undefined; status: ExecutionStatus }) {
  const running = status === 'running';
  const st = progressState(model, series);
  const determinate = st.fraction !== undefined;
  const pct = determinate ? Math.round(st.fraction! * 1000) / 10 : null;
  const count = st.count === null ? '0' : formatNumber(st.count);
  const rate = running && st.rate !== null ? `${formatNumber(st.rate)}/s` : null;
  return (
    <div className={`progress progress-${status}`}>
      <div className="progress-head">
        <span className="progress-key">{model.key}</span>
        <span className="progress-stats">
          {pct !== null && <strong>{pct}%</strong>}
          <span>{determinate ? `${count} / ${formatNumber(st.upper!)}` : count}</span>
          {rate && <span>{rate}</span>}
          {determinate && running && st.etaSeconds !== null && st.etaSeconds > 0 && <span>ETA {formatDuration(st.etaSeconds)}</span>}
          {!running && <span className={`progress-status status-text-${status}`}>{status}</span>}
        </span>
      </div>
      <div
        className={`progress-track${determinate ? '' : ' indeterminate'}${running ? '' : ' stopped'}`}
        role="progressbar"
        aria-label={model.key}
        aria-valuemin={st.lower}
        {...(st.upper !== undefined && { 'aria-valuemax': st.upper })}
        {...(st.count !== null && Number.isFinite(st.count) && { 'aria-valuenow': st.count })}
        aria-valuetext={`${determinate ? `${count} of ${formatNumber(st.upper!)}` : `${count} done`}${running ? '' : ` (${status})`}`}
      >
        <div className="progress-fill" style={determinate ? { width: `${pct}%` } : undefined} />
      </div>
    </div>
  );
}
