import { seriesLabel, SUMMARY_SERIES_PREFIX, type GroupDef, type MetricDef, type ScaleDef } from '../../protocol/index.js';

/**
 * The panel model: metric definitions (and the keys of series that have data) → chart panels, their y-axes and progress bars.
 * Pure data; DESIGN.md "Semantics → Time series" made concrete:
 * - a group is one panel with one shared x-axis (group units, lower, upper); a metric without a group gets a panel of its own;
 * - within a group, metrics whose scales share a name share a y-axis; an unnamed scale gives the metric its own axis; metrics
 *   with no scale at all share the group's default y-axis (as TensorBoard and W&B draw them);
 * - at most MAX_VISIBLE_AXES y-axes are drawn: beyond that, axes of the same units are merged, and the rest keep their own
 *   range without a drawn axis (read from the legend and tooltip);
 * - the first y-axis is on the left, the next on the right, further ones alternate outward;
 * - a `progress: true` scale is drawn as a progress bar, not a line;
 * - derived `@summary.<key>` series are drawn in one "Summary over time" panel, labelled by `<key>`.
 */

export { SUMMARY_SERIES_PREFIX };
export const SUMMARY_PANEL_TITLE = 'Summary over time';
export const SUMMARY_PANEL_ID = 'summary';
/** Summary values have unrelated magnitudes, so each keeps its own y range, but only this many axes are drawn. */
export const SUMMARY_PANEL_VISIBLE_AXES = 2;

/** A panel never draws more y-axes than this. */
export const MAX_VISIBLE_AXES = 4;
/** The scale key of a group's default y-axis, shared by its metrics without a scale. */
export const DEFAULT_SCALE = 'default';

export type AxisSide = 'left' | 'right';

export interface AxisModel {
  /** uPlot scale key; unique within the panel. */
  scale: string;
  units?: string;
  lower?: number;
  upper?: number;
  side: AxisSide;
  /** Not drawn (the series keeps its own y range; legend and tooltip give its values). */
  hidden?: boolean;
}

export interface LineSeriesModel {
  key: string;
  /** What the legend shows: the metric key (without the `@summary.` prefix in the summary panel). */
  label: string;
  scale: string;
  /** Index into the palette; distinct within a panel. */
  color: number;
  /** Dash pattern in CSS pixels (solid when absent). */
  dash?: number[];
}

export interface ProgressModel {
  key: string;
  lower: number;
  upper?: number;
}

export interface PanelModel {
  id: string;
  /** The region's accessible name: the group name, or the key of an ungrouped metric. */
  title: string;
  /** x-axis units; undefined means the default x, seconds since the execution started (duration ticks). */
  xUnits?: string;
  xLower?: number;
  xUpper?: number;
  axes: AxisModel[];
  lines: LineSeriesModel[];
  progress: ProgressModel[];
}

interface PanelDraft {
  panel: PanelModel;
  scaleIndex: Map<string, AxisModel>;
}

/** Side of the i-th y-axis of a panel: left, right, left, right… (uPlot stacks same-side axes outward in order). */
export function axisSide(i: number): AxisSide {
  return i % 2 === 0 ? 'left' : 'right';
}

export function isSummarySeries(key: string): boolean {
  return key.startsWith(SUMMARY_SERIES_PREFIX);
}

/**
 * Builds the panels of one execution. `definitions` come in the order the metrics were first recorded; `seriesKeys` are keys
 * with data, which may have no definition (raw ingest) — those are drawn like a metric without group or scale.
 */
export function buildPanels(definitions: readonly MetricDef[], seriesKeys: readonly string[] = []): PanelModel[] {
  const drafts = new Map<string, PanelDraft>();
  const order: PanelDraft[] = [];
  const seen = new Set<string>();

  const draftFor = (id: string, title: string, group?: GroupDef): PanelDraft => {
    let d = drafts.get(id);
    if (!d) {
      const panel: PanelModel = { id, title, axes: [], lines: [], progress: [] };
      if (group?.units !== undefined) panel.xUnits = group.units;
      if (group?.lower !== undefined) panel.xLower = group.lower;
      if (group?.upper !== undefined) panel.xUpper = group.upper;
      d = { panel, scaleIndex: new Map() };
      drafts.set(id, d);
      order.push(d);
    }
    return d;
  };

  const add = (key: string, draft: PanelDraft, scale: ScaleDef | undefined, label = key, ownAxis = false) => {
    if (scale?.progress) {
      draft.panel.progress.push({ key, lower: scale.lower ?? 0, ...(scale.upper !== undefined && { upper: scale.upper }) });
      return;
    }
    const scaleKey = scale?.name !== undefined ? `scale:${scale.name}` : scale !== undefined || ownAxis ? `metric:${key}` : DEFAULT_SCALE;
    let axis = draft.scaleIndex.get(scaleKey);
    if (!axis) {
      axis = { scale: scaleKey, side: axisSide(draft.panel.axes.length) };
      draft.panel.axes.push(axis);
      draft.scaleIndex.set(scaleKey, axis);
    }
    // A shared scale takes each property from the first metric that sets it.
    if (scale) {
      if (axis.units === undefined && scale.units !== undefined) axis.units = scale.units;
      if (axis.lower === undefined && scale.lower !== undefined) axis.lower = scale.lower;
      if (axis.upper === undefined && scale.upper !== undefined) axis.upper = scale.upper;
    }
    draft.panel.lines.push({ key, label, scale: scaleKey, color: draft.panel.lines.length });
  };

  for (const def of definitions) {
    if (seen.has(def.key) || isSummarySeries(def.key)) continue;
    seen.add(def.key);
    const draft = def.group ? draftFor(`group:${def.group.name}`, def.group.name, def.group) : draftFor(`metric:${def.key}`, def.key);
    add(def.key, draft, def.scale);
  }
  const summaryKeys: string[] = [];
  for (const key of seriesKeys) {
    if (seen.has(key)) continue;
    seen.add(key);
    if (isSummarySeries(key)) summaryKeys.push(key);
    else add(key, draftFor(`metric:${key}`, key), undefined);
  }
  if (summaryKeys.length > 0) {
    const draft = draftFor(SUMMARY_PANEL_ID, SUMMARY_PANEL_TITLE);
    for (const key of summaryKeys) add(key, draft, undefined, seriesLabel(key), true);
    draft.panel.axes.forEach((axis, i) => {
      if (i >= SUMMARY_PANEL_VISIBLE_AXES) axis.hidden = true;
    });
  }
  for (const d of order) if (d.panel.id !== SUMMARY_PANEL_ID) limitAxes(d.panel);
  return order.map((d) => d.panel);
}

/**
 * DESIGN.md's limit on y-axes: beyond MAX_VISIBLE_AXES, axes with the same units become one (their lines share its range;
 * bounds are kept only where all agree), and axes still beyond the limit are hidden. Sides are then dealt out again.
 */
function limitAxes(panel: PanelModel): void {
  if (panel.axes.length <= MAX_VISIBLE_AXES) return;
  const byUnits = new Map<string, AxisModel>();
  const mergedInto = new Map<string, AxisModel>();
  const kept: AxisModel[] = [];
  for (const axis of panel.axes) {
    const into = axis.units !== undefined ? byUnits.get(axis.units) : undefined;
    if (!into) {
      if (axis.units !== undefined) byUnits.set(axis.units, axis);
      kept.push(axis);
      continue;
    }
    mergedInto.set(axis.scale, into);
    if (into.lower !== axis.lower) delete into.lower;
    if (into.upper !== axis.upper) delete into.upper;
  }
  for (const line of panel.lines) line.scale = mergedInto.get(line.scale)?.scale ?? line.scale;
  kept.forEach((axis, i) => {
    if (i >= MAX_VISIBLE_AXES) axis.hidden = true;
    else axis.side = axisSide(i);
  });
  panel.axes = kept;
}

/** Panels are cursor-synced when their x-axes mean the same thing. */
export function cursorSyncKey(executionId: string, panel: PanelModel): string {
  return `${executionId}|${panel.xUnits ?? '@seconds'}`;
}
