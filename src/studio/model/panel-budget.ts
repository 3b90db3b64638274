/**
 * How many points per series a page reads to draw a panel: about 4 per pixel of the panel's plot (the server's M4 keeps
 * first/min/max/last per bucket, one bucket per pixel). Panels sit side by side on a wide page, so a panel's plot is
 * narrower than the window: reading for the window's width would read (and decode, send, parse) twice what is drawn.
 */

/** Layout of the panels grid (styles.css `.page`, `.panels`, `.panel`), in CSS pixels. */
const PAGE_MAX = 1480;
const PAGE_PADDING = 24;
const PANEL_MIN = 560;
const PANEL_GAP = 16;
/** Panel padding and the y-axes' gutters on both sides. */
const PANEL_CHROME = 2 * 14 + 2 * 52;
const MIN_BUDGET = 400;

/**
 * Points per series for a panel at this viewport width (CSS pixels). `fullWidth`: a panel spanning the whole row (one
 * with a long legend, `.panel-wide`), else one cell of the grid.
 */
export function panelBudget(viewportWidth: number, fullWidth = false): number {
  const content = Math.min(viewportWidth, PAGE_MAX) - 2 * PAGE_PADDING;
  const columns = fullWidth ? 1 : Math.max(1, Math.floor((content + PANEL_GAP) / (PANEL_MIN + PANEL_GAP)));
  const plot = (content - PANEL_GAP * (columns - 1)) / columns - PANEL_CHROME;
  return Math.max(MIN_BUDGET, Math.round(plot * 4));
}
