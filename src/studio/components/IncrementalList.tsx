import { memo, useEffect, useMemo, useState, type ReactNode } from 'react';

interface Props<T> {
  items: readonly T[];
  /** Renders one item (with its React key). Reads nothing but the item and `deps`. */
  render: (item: T) => ReactNode;
  /** What `render` reads besides the item: the items shown re-render when one of these changes (by identity). */
  deps: readonly unknown[];
  /** Items rendered at once (about a screen and a half of panels). */
  first?: number;
  /** Items added per frame after that. */
  step?: number;
}

/** A page of 2,000 panels shows its first screen after rendering this many of them, not all 2,000. */
export const FIRST_ITEMS = 24;
const STEP_ITEMS = 50;

/**
 * A long list of costly items (the execution page's panels), rendered a chunk at a time: the first `first` items at once,
 * then `step` more each frame until all are in the page. Each chunk is a memoised component of its own, so adding one does
 * not render those already shown again; all of them render again when `items` or one of `deps` changes. Every item ends up
 * in the page (find in page, assistive tech and tests see them all), a few frames later for a long list.
 */
export function IncrementalList<T>({ items, render, deps, first = FIRST_ITEMS, step = STEP_ITEMS }: Props<T>) {
  const [shown, setShown] = useState(first);
  useEffect(() => {
    if (shown >= items.length) return;
    const frame = requestAnimationFrame(() => setShown((n) => n + step));
    return () => cancelAnimationFrame(frame);
  }, [shown, items.length, step]);
  const chunks = useMemo(() => chunksOf(items, first, step), [items, first, step]);
  let start = 0;
  const out: ReactNode[] = [];
  for (const chunk of chunks) {
    if (start >= shown) break;
    out.push(<Chunk key={start} items={chunk} render={render as (item: unknown) => ReactNode} deps={deps} />);
    start += chunk.length;
  }
  return <>{out}</>;
}

/** `items` cut into a first chunk of `first` and then chunks of `step` (stable while `items` is). */
export function chunksOf<T>(items: readonly T[], first: number, step: number): T[][] {
  const out: T[][] = [items.slice(0, first)];
  for (let i = first; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}

const Chunk = memo(
  function Chunk({ items, render }: { items: readonly unknown[]; render: (item: unknown) => ReactNode; deps: readonly unknown[] }) {
    return <>{items.map((item) => render(item))}</>;
  },
  // `render` is a new closure at each render of the page: what it reads is in `deps`.
  (a, b) => a.items === b.items && a.deps.length === b.deps.length && a.deps.every((d, i) => Object.is(d, b.deps[i])),
);
