import { getExecution, getSeries, getSeriesOfExecutions } from '../api/client.js';
import { browserClock } from './clock.js';
import type { EventSourceLike } from './connection.js';
import { createLive } from './live-core.js';
import { panelBudget } from '../model/panel-budget.js';

/** Points per series asked for when a page opens and says nothing: about 4 per pixel of a full-width panel. */
export function initialBudget(): number {
  return panelBudget(typeof window === 'undefined' ? 1200 : window.innerWidth, true);
}

/** The tab's live layer, wired to the browser: EventSource, the REST client, animation frames. */
export const live = createLive({
  // EventSource's handlers take DOM events; the live layer reads only `data` and `lastEventId` of them.
  openSource: (url) => new EventSource(url) as unknown as EventSourceLike,
  api: { getExecution, getSeries, getSeriesOfExecutions },
  clock: browserClock,
  budget: initialBudget,
});
