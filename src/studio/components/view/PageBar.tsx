import { useCallback } from 'react';
import { decodePageOptions, setPageOptions } from '../../model/page-options.js';
import { MAX_SMOOTHING, type PanelOptions, type XAxisChoice } from '../../model/panel-options.js';
import { currentPathname, currentSearch, flushOnChange, navigate, useLocation } from '../../router.js';
import { decodePageYRange, setPageYRange } from '../../model/y-range.js';
import { SmoothingAlgorithmSelect } from '../PanelOptions.js';
import { CopyLinkButton } from './CopyLink.js';
import './view.css';

interface Props {
  /** Relative and wall time are available for some panel of the page (`pageTimeAvailable`). */
  timeAvailable: boolean;
}

/**
 * The page-level bar over the panels of an execution or a comparison: Smoothing (weight and algorithm), Log x, Log y,
 * X axis and Y range (auto or ignore outliers) for all panels at once (a panel's own "Panel options" still override), and
 * "Copy link" for the whole view. A panel that cannot show the chosen x (no record times for relative or wall time on a
 * step axis) keeps its own units and says so in its options.
 */
export function PageBar({ timeAvailable }: Props) {
  const { search } = useLocation();
  const options = decodePageOptions(search);
  const set = useCallback((patch: Partial<PanelOptions>, settle = false) => {
    const next = { ...decodePageOptions(currentSearch()), ...patch };
    navigate(currentPathname() + setPageOptions(currentSearch(), next), { replace: true, settle });
  }, []);
  const yRange = decodePageYRange(search);
  const setYRange = (kind: string) =>
    navigate(currentPathname() + setPageYRange(currentSearch(), kind === 'outliers' ? { kind: 'outliers' } : { kind: 'auto' }), { replace: true });
  return (
    <div className="page-bar" role="toolbar" aria-label="All panels">
      <span className="page-bar-title">All panels</span>
      <label className="page-bar-item">
        <span>Smoothing</span>
        <input type="range" aria-label="Smoothing" min={0} max={MAX_SMOOTHING} step={0.01} value={options.smoothing}
          ref={flushOnChange} onChange={(e) => set({ smoothing: Number(e.target.value) }, true)} />
        {/* Not an <output>: that is a role=status, and the page's status is the live connection. */}
        <span className="page-bar-value" aria-hidden="true">{options.smoothing.toFixed(2)}</span>
      </label>
      <label className="page-bar-item">
        <SmoothingAlgorithmSelect value={options.smoothingAlgorithm} onChange={(a) => set({ smoothingAlgorithm: a })} />
      </label>
      <label className="page-bar-item">
        <input type="checkbox" checked={options.logX} onChange={(e) => set({ logX: e.target.checked })} /> Log x
      </label>
      <label className="page-bar-item">
        <input type="checkbox" checked={options.logY} onChange={(e) => set({ logY: e.target.checked })} /> Log y
      </label>
      <label className="page-bar-item">
        <span>X axis</span>
        <select value={options.xAxis} onChange={(e) => set({ xAxis: e.target.value as XAxisChoice })}>
          <option value="units">each group's units</option>
          <option value="relative" disabled={!timeAvailable}>relative time</option>
          <option value="wall" disabled={!timeAvailable}>wall time</option>
        </select>
      </label>
      <label className="page-bar-item">
        <span>Y range</span>
        <select value={yRange.kind} onChange={(e) => setYRange(e.target.value)}>
          <option value="auto">auto</option>
          <option value="outliers">ignore outliers</option>
        </select>
      </label>
      <CopyLinkButton />
    </div>
  );
}
