import { useEffect, useState } from 'react';

/**
 * How many of `total` items to render: one more per animation frame once `active` (the first at once), so a page of heavy charts paints its
 * first chart in the first frame instead of building them all in one long commit (each chart's uPlot is built and drawn
 * in its own task). Items already shown stay shown when `total` changes.
 */
export function useStaggered(total: number, active: boolean): number {
  const [shown, setShown] = useState(0);
  useEffect(() => {
    if (!active || shown + 1 >= total) return;
    const frame = requestAnimationFrame(() => setShown((n) => Math.min(total, n + 1)));
    return () => cancelAnimationFrame(frame);
  }, [active, shown, total]);
  // The first item renders in the commit that activates the list.
  return active ? Math.min(shown + 1, total) : 0;
}
