import { useEffect, useRef, useState, type ReactNode } from 'react';
import { PageOverrideNote } from './view/PageOverrideNote.js';
import { MAX_SMOOTHING, nonPositiveNote, type NonPositiveCount, type PanelOptions, type XAxisChoice } from '../model/panel-options.js';
import type { SmoothingAlgorithm } from '../model/smoothing.js';
import { flushOnChange } from '../router.js';

interface Props {
  title: string;
  options: PanelOptions;
  /** `settle`: a slider move — the URL is written once it settles (router.ts `navigate`). */
  onChange: (o: PanelOptions, how?: { settle?: boolean }) => void;
  /** Options this panel sets differently from the page bar (none: it follows the page). */
  overrides?: readonly (keyof PanelOptions)[];
  /** The group's x units (undefined: x is seconds since start, i.e. relative time). */
  xUnits: string | undefined;
  /** Relative/wall time need the execution's start and x in seconds since it, or record-time marks (points recorded with `at`). */
  timeAvailable: boolean;
  /** Values the log axes cannot draw (counted, not silently dropped). */
  nonPositive: NonPositiveCount;
  onDownload: (kind: 'csv' | 'json' | 'png') => void;
  /** Downloads of data need one execution (null: possible); else why not. */
  dataDownloadNote: string | null;
  /** More controls, shown before the downloads (the y range). */
  extra?: ReactNode;
  /**
   * A message the panel shows under its header (a failed download): when one appears the popover closes, so it never
   * covers it, and the focus goes back to the options button.
   */
  message?: string | null;
}

/** The "Smoothing algorithm" select of a panel's options and of the page bar. */
export function SmoothingAlgorithmSelect({ value, onChange }: { value: SmoothingAlgorithm; onChange: (a: SmoothingAlgorithm) => void }) {
  return (
    <select aria-label="Smoothing algorithm" value={value} onChange={(e) => onChange(e.target.value as SmoothingAlgorithm)}
      title="EMA: TensorBoard's, by point; time-weighted EMA: by x distance (uneven x); Gaussian: before and after each point">
      <option value="ema">EMA (debiased)</option>
      <option value="twema">time-weighted EMA</option>
      <option value="gaussian">Gaussian</option>
    </select>
  );
}

/** The "Panel options" button and its popover (DESIGN.md: Smoothing, Log x, Log y, X axis, Download CSV/JSON/PNG). */
export function PanelOptionsButton({ title, options, onChange, overrides = [], xUnits, timeAvailable, nonPositive, onDownload, dataDownloadNote, extra, message = null }: Props) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!message) return;
    if (box.current?.contains(document.activeElement)) button.current?.focus();
    setOpen(false);
  }, [message]);
  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const set = (patch: Partial<PanelOptions>, settle = false) => onChange({ ...options, ...patch }, { settle });
  const unitsLabel = xUnits ?? 'relative time';
  return (
    <div className="panel-options" ref={box}>
      <button type="button" ref={button} className="panel-options-button" aria-expanded={open} aria-haspopup="dialog" title="Smoothing, log axes, x axis, downloads" onClick={() => setOpen(!open)}>
        Panel options
      </button>
      {open && (
        <div className="panel-options-popover" role="dialog" aria-label={`Options of ${title}`}>
          <label className="po-row">
            <span>Smoothing</span>
            <input type="range" aria-label="Smoothing" min={0} max={MAX_SMOOTHING} step={0.01} value={options.smoothing}
              ref={flushOnChange} onChange={(e) => set({ smoothing: Number(e.target.value) }, true)} />
            <output>{options.smoothing.toFixed(2)}</output>
          </label>
          <label className="po-row">
            <span>Algorithm</span>
            <SmoothingAlgorithmSelect value={options.smoothingAlgorithm} onChange={(a) => set({ smoothingAlgorithm: a })} />
          </label>
          <label className="po-check">
            <input type="checkbox" checked={options.logX} onChange={(e) => set({ logX: e.target.checked })} /> Log x
          </label>
          {options.logX && nonPositive.x > 0 && <p className="po-note">{nonPositiveNote({ ...nonPositive, y: 0 }, true, false)}</p>}
          <label className="po-check">
            <input type="checkbox" checked={options.logY} onChange={(e) => set({ logY: e.target.checked })} /> Log y
          </label>
          {options.logY && nonPositive.y > 0 && <p className="po-note">{nonPositiveNote({ ...nonPositive, x: 0 }, false, true)} They are gaps in the line.</p>}
          <label className="po-row">
            <span>X axis</span>
            <select value={options.xAxis} onChange={(e) => set({ xAxis: e.target.value as XAxisChoice })}>
              <option value="units">{unitsLabel}</option>
              {xUnits !== undefined && <option value="relative" disabled={!timeAvailable}>relative time</option>}
              <option value="wall" disabled={!timeAvailable}>wall time</option>
            </select>
          </label>
          {xUnits !== undefined && !timeAvailable && (
            <p className="po-note">No record times were stored with these points (an SDK that sends them, or newer data, has them): only {xUnits || 'x'} is available.</p>
          )}
          {extra}
          {overrides.length > 0 && <PageOverrideNote overrides={overrides} />}
          <div className="po-actions">
            <button type="button" disabled={dataDownloadNote !== null} onClick={() => onDownload('csv')}>Download CSV</button>
            <button type="button" disabled={dataDownloadNote !== null} onClick={() => onDownload('json')}>Download JSON</button>
            <button type="button" onClick={() => onDownload('png')}>Download PNG</button>
          </div>
          {dataDownloadNote && <p className="po-note">{dataDownloadNote}</p>}
        </div>
      )}
    </div>
  );
}
