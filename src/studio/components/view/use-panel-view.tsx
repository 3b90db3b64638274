import { useCallback, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { panelPng, saveAs } from '../../chart/export-png.js';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import type { Span } from '../../model/navigation.js';
import { effectivePanelOptions, panelOverrides, setPanelOptions } from '../../model/page-options.js';
import { nonPositiveNote, type NonPositiveCount, type PanelOptions } from '../../model/panel-options.js';
import type { PanelModel } from '../../model/panels.js';
import { AUTO, clipNote, effectiveYRange, setPanelYRange, type ClipCount, type YRange } from '../../model/y-range.js';
import { currentPathname, currentSearch, navigate, useLocation } from '../../router.js';

/**
 * The view of one chart panel as the URL keeps it, shared by the execution and compare pages: its options (the page bar's
 * with this panel's overrides: page-options.ts), its y range (y-range.ts), and what the chart reports back (values the log
 * axes cannot draw, values the y range clips, the y windows in view, the uPlot instance for the PNG).
 */
export function usePanelView(panel: PanelModel, onZoom: (r: null) => void) {
  const { search } = useLocation();
  const options = effectivePanelOptions(search, panel.id);
  const overrides = panelOverrides(search, panel.id);
  const setOptions = useCallback(
    (o: PanelOptions, how?: { settle?: boolean }) =>
      navigate(currentPathname() + setPanelOptions(currentSearch(), panel.id, o), { replace: true, settle: how?.settle }),
    [panel.id],
  );
  const yRange = effectiveYRange(search, panel.id);
  const setYRange = useCallback(
    (r: YRange) => navigate(currentPathname() + setPanelYRange(currentSearch(), panel.id, r), { replace: true }),
    [panel.id],
  );
  // A box zoom or Ctrl+wheel: fixed windows on every axis it covered.
  const zoomY = (w: ReadonlyMap<string, Span>) =>
    setYRange({ kind: 'fixed', axes: panel.axes.map((a) => { const s = w.get(a.scale); return s ? { min: s.from, max: s.to } : null; }) });
  const yZoomed = yRange.kind === 'fixed';
  const yWindowsRef = useRef<(() => Map<string, Span>) | null>(null);
  // "Fixed" starts from the windows in view (to the digits that tell them apart), to be edited from there.
  const windowsInView = () => {
    const w = yWindowsRef.current?.() ?? new Map<string, Span>();
    const round = (v: number) => Number(v.toPrecision(4));
    return panel.axes.map((a) => {
      const s = w.get(a.scale);
      return s && round(s.to) > round(s.from) ? { min: round(s.from), max: round(s.to) } : null;
    });
  };
  const resetView = () => {
    onZoom(null);
    if (yZoomed) setYRange(AUTO);
  };
  const [clipped, setClipped] = useState<ClipCount>({ count: 0, exact: true });
  const [nonPositive, setNonPositive] = useState<NonPositiveCount>({ x: 0, y: 0, exact: true });
  const plotRef = useRef<uPlot | null>(null);
  return { options, overrides, setOptions, yRange, setYRange, zoomY, yZoomed, yWindowsRef, windowsInView, resetView, clipped, setClipped, nonPositive, setNonPositive, plotRef };
}

/** Saves the panel as drawn (title and legend of the shown lines included) as the file `name`. */
export function downloadPanelPng(u: uPlot | null, panel: PanelModel, hidden: ReadonlySet<string>, theme: ChartTheme, name: string): void {
  if (!u) return;
  const css = getComputedStyle(document.documentElement);
  const legend = panel.lines.filter((l) => !hidden.has(l.key)).map((l) => ({ label: l.label, color: seriesColor(theme, l.color) }));
  void panelPng(u, {
    title: panel.title, legend, font: theme.font,
    background: css.getPropertyValue('--panel').trim() || '#fff', text: css.getPropertyValue('--text').trim() || '#000',
  }).then((blob) => saveAs(blob, name));
}

/** Under a chart: how many values the y range clips, and which ones the log axes cannot draw. */
export function ViewNotes({ yRange, clipped, options, nonPositive }: { yRange: YRange; clipped: ClipCount; options: PanelOptions; nonPositive: NonPositiveCount }) {
  const logNote = nonPositiveNote(nonPositive, options.logX, options.logY);
  return (
    <>
      {yRange.kind !== 'auto' && clipped.count > 0 && <p className="panel-clip-note">{clipNote(clipped.count, clipped.exact)}</p>}
      {logNote && <p className="panel-log-note">{logNote}</p>}
    </>
  );
}

