/**
 * A service page's live feed outside React (pure; the frame source injected): streamed intervals go into a
 * {@link LiveTail} as they come, and the page's panels hear of them at most once an animation frame, all together,
 * with only the intervals that changed since the last frame. The synced cursor and the minute's history refresh travel
 * the same way, so a second of live traffic or a sweep of the pointer costs one batch a frame, not a render of the page.
 */
import type { ServiceInterval } from '../../protocol/index.js';
import { LiveTail } from './service-live.js';

/** What happened since the last frame. */
export interface FeedFrame {
  /** Intervals added or changed, oldest first (each in its latest state). */
  intervals: ServiceInterval[];
  /** An interval closed (panels the intervals cannot draw re-read their last buckets). */
  closed: boolean;
  /** Intervals may have been missed (the stream was down): every panel reads its history again. */
  reset: boolean;
  /** Time to refresh the history's last buckets (once a minute while live). */
  refresh: boolean;
  /** The synced cursor moved: the time under it (ms), or null when it left; absent when it did not move. */
  cursor?: number | null;
}

export type FeedEvent = { type: 'interval'; interval: ServiceInterval } | { type: 'reset' };

export class ServiceFeed {
  readonly tail = new LiveTail();
  private readonly listeners = new Set<(frame: FeedFrame) => void>();
  private changed = new Map<number, ServiceInterval>();
  private pending: Omit<FeedFrame, 'intervals'> = { closed: false, reset: false, refresh: false };
  private asked = false;

  /** `nextFrame` runs its callback before the next paint (requestAnimationFrame); `keepMs`: how long intervals are kept. */
  constructor(private readonly nextFrame: (fn: () => void) => void, private readonly keepMs: number) {}

  subscribe(listener: (frame: FeedFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A streamed event. */
  push(event: FeedEvent): void {
    if (event.type === 'reset') {
      this.tail.clear();
      this.changed.clear();
      this.pending.reset = true;
    } else {
      const before = this.tail.version;
      this.tail.apply(event.interval);
      if (this.tail.version === before) return;
      this.changed.set(event.interval.start, event.interval);
      if (event.interval.closed) this.pending.closed = true;
      this.tail.prune(event.interval.start - this.keepMs);
    }
    this.ask();
  }

  refresh(): void {
    this.pending.refresh = true;
    this.ask();
  }

  cursor(x: number | null): void {
    this.pending.cursor = x;
    this.ask();
  }

  private ask(): void {
    if (this.asked) return;
    this.asked = true;
    this.nextFrame(() => this.flush());
  }

  private flush(): void {
    this.asked = false;
    const frame: FeedFrame = { ...this.pending, intervals: [...this.changed.values()].sort((a, b) => a.start - b.start) };
    this.changed = new Map();
    this.pending = { closed: false, reset: false, refresh: false };
    for (const l of this.listeners) l(frame);
  }
}
