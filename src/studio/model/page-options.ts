import {
  DEFAULT_PANEL_OPTIONS, PAGE_OPTIONS_PARAM, decodeOptionTokens, decodePanelOptions, encodeOptionTokens, encodePanelOptions, withParam,
  type PanelOptions,
} from './panel-options.js';

/**
 * Page-level panel options: one bar sets smoothing, log axes and the x axis for every panel of a page at once, kept in
 * the URL as `po=<tokens>` (the tokens of panel-options.ts). A panel's own `po.<id>` tokens override the page's for
 * that panel only. Setting an option on the page applies it to all panels: it clears the panels' overrides of that
 * option (other overrides stay).
 */

/** The page-level options in a search string (the defaults when absent). */
export function decodePageOptions(search: string): PanelOptions {
  return decodeOptionTokens(new URLSearchParams(search).get(PAGE_OPTIONS_PARAM));
}

/** What panel `panelId` draws with: its overrides over the page's options. */
export function effectivePanelOptions(search: string, panelId: string): PanelOptions {
  return decodePanelOptions(search, panelId, decodePageOptions(search));
}

/** The search string with panel `panelId` set to draw with `o` (written as what differs from the page's options). */
export function setPanelOptions(search: string, panelId: string, o: PanelOptions): string {
  return encodePanelOptions(search, panelId, o, decodePageOptions(search));
}

/** Which options of panel `panelId` differ from the page's (its overrides). */
export function panelOverrides(search: string, panelId: string): (keyof PanelOptions)[] {
  const page = decodePageOptions(search);
  const own = decodePanelOptions(search, panelId, page);
  return (Object.keys(page) as (keyof PanelOptions)[]).filter((k) => own[k] !== page[k]);
}

/** The search string with the page-level options set to `next`: every panel takes the options that changed. */
export function setPageOptions(search: string, next: PanelOptions): string {
  const prev = decodePageOptions(search);
  const changed = (Object.keys(next) as (keyof PanelOptions)[]).filter((k) => next[k] !== prev[k]);
  let out = search;
  for (const name of new URLSearchParams(search).keys()) {
    if (!name.startsWith(`${PAGE_OPTIONS_PARAM}.`)) continue;
    const panelId = name.slice(PAGE_OPTIONS_PARAM.length + 1);
    const own: PanelOptions = { ...decodePanelOptions(out, panelId, prev) };
    for (const k of changed) Object.assign(own, { [k]: next[k] });
    out = encodePanelOptions(out, panelId, own, next);
  }
  return withParam(out, PAGE_OPTIONS_PARAM, encodeOptionTokens(next, DEFAULT_PANEL_OPTIONS));
}
