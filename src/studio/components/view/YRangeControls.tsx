import { useEffect, useState } from 'react';
import type { AxisModel } from '../../model/panels.js';
import type { YRange, YWindow } from '../../model/y-range.js';

interface Props {
  /** The panel's y-axes (windows are kept per axis in this order; undrawn axes get no inputs). */
  axes: readonly AxisModel[];
  range: YRange;
  onChange: (r: YRange) => void;
  /** The windows in view per axis: where "Fixed" starts. */
  inView: () => (YWindow | null)[];
}

/** An axis's name in the controls: its units, else its side. */
const axisName = (a: AxisModel, i: number, all: readonly AxisModel[]) =>
  all.filter((x) => !x.hidden).length === 1 ? '' : a.units ?? (i === 0 ? 'left axis' : a.side === 'left' ? `left axis ${i + 1}` : `right axis ${i + 1}`);

/** One bound's text box: committed on Enter or leaving the box; an empty box follows the data, a bad number is said. */
function BoundInput({ label, value, onCommit }: { label: string; value: number | undefined; onCommit: (v: number | undefined) => boolean }) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  const [bad, setBad] = useState(false);
  useEffect(() => setText(value === undefined ? '' : String(value)), [value]);
  const commit = () => {
    const t = text.trim();
    const v = t === '' ? undefined : Number(t);
    const ok = v === undefined || Number.isFinite(v) ? onCommit(v) : false;
    setBad(!ok);
  };
  return (
    <input className="yr-bound" type="text" inputMode="decimal" aria-label={label} aria-invalid={bad} placeholder="auto" value={text}
      onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
  );
}

/** "Y range" in a panel's options: Auto, Fixed (min/max per axis) or Ignore outliers (1st–99th percentile). */
export function YRangeControls({ axes, range, onChange, inView }: Props) {
  const windows = range.kind === 'fixed' ? range.axes : [];
  const setWindow = (i: number, w: YWindow): boolean => {
    if (w.min !== undefined && w.max !== undefined && !(w.max > w.min)) return false;
    const next = axes.map((_, j) => (j === i ? w : windows[j] ?? null));
    onChange({ kind: 'fixed', axes: next });
    return true;
  };
  return (
    <fieldset className="yr">
      <legend>Y range</legend>
      <div className="yr-modes" role="radiogroup" aria-label="Y range">
        {(['auto', 'fixed', 'outliers'] as const).map((kind) => (
          <label key={kind}>
            <input type="radio" name="y-range" checked={range.kind === kind}
              onChange={() => onChange(kind === 'fixed' ? { kind, axes: inView() } : { kind })} />
            {kind === 'auto' ? 'Auto' : kind === 'fixed' ? 'Fixed' : 'Ignore outliers'}
          </label>
        ))}
      </div>
      {range.kind === 'fixed' && axes.map((a, i) => {
        if (a.hidden) return null;
        const w = windows[i] ?? {};
        const name = axisName(a, i, axes);
        return (
          <div className="yr-axis" key={a.scale}>
            {name && <span className="yr-axis-name">{name}</span>}
            <BoundInput label={`Y min${name ? ` (${name})` : ''}`} value={w.min} onCommit={(v) => setWindow(i, { ...w, min: v })} />
            <span aria-hidden>to</span>
            <BoundInput label={`Y max${name ? ` (${name})` : ''}`} value={w.max} onCommit={(v) => setWindow(i, { ...w, max: v })} />
          </div>
        );
      })}
      {range.kind === 'outliers' && <p className="po-note">Each axis spans the 1st–99th percentile of the values in view; values beyond are marked ▲▼ at the edge.</p>}
    </fieldset>
  );
}
