import type { PanelOptions } from '../../model/panel-options.js';

const NAMES: Record<keyof PanelOptions, string> = { smoothing: 'smoothing', smoothingAlgorithm: 'smoothing algorithm', logX: 'log x', logY: 'log y', xAxis: 'x axis' };

/** Inside a panel's options: which options differ from the page bar's (set on this panel alone). */
export function PageOverrideNote({ overrides }: { overrides: readonly (keyof PanelOptions)[] }) {
  return <p className="po-note">Set on this panel, not from “All panels”: {overrides.map((k) => NAMES[k]).join(', ')}.</p>;
}
