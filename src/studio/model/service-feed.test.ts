import { describe, expect, it } from 'vitest';
import type { ServiceInterval } from '../../protocol/index.js';
import { ServiceFeed, type FeedFrame } from './service-feed.js';

const interval = (start: number, requests: number, closed = false): ServiceInterval => ({
  service: 'api', start, closed, replicas: 1, seconds: 10, metrics: [],
  requests: { requests, requestsPerSecond: requests / 10, avgRequestMs: null, p99Ms: null, '2XX': requests, '4XX': 0, '5XX': 0 },
});

function fake() {
  const frames: Array<() => void> = [];
  const feed = new ServiceFeed((fn) => frames.push(fn), 60_000);
  const heard: FeedFrame[] = [];
  feed.subscribe((f) => heard.push(f));
  return { feed, heard, frames, frame: () => frames.shift()?.() };
}

describe('service feed batched per frame', () => {
  it('hands panels the intervals changed since the last frame, once a frame, each in its latest state', () => {
    const f = fake();
    f.feed.push({ type: 'interval', interval: interval(10_000, 1) });
    f.feed.push({ type: 'interval', interval: interval(10_000, 2) });
    f.feed.push({ type: 'interval', interval: interval(0, 9, true) });
    expect(f.frames).toHaveLength(1);
    f.frame();
    expect(f.heard).toHaveLength(1);
    expect(f.heard[0]!.intervals.map((i) => [i.start, i.requests.requests])).toEqual([[0, 9], [10_000, 2]]);
    expect(f.heard[0]!.closed).toBe(true);
    expect(f.heard[0]!.cursor).toBeUndefined();
    // Nothing new, no frame asked; a late open interval after its closed one changes nothing.
    f.feed.push({ type: 'interval', interval: interval(0, 3) });
    expect(f.frames).toHaveLength(0);
  });

  it('carries the cursor, the minute refresh and a reset (which forgets the intervals)', () => {
    const f = fake();
    f.feed.push({ type: 'interval', interval: interval(0, 1) });
    f.feed.cursor(5_000);
    f.feed.refresh();
    f.frame();
    expect(f.heard[0]).toMatchObject({ cursor: 5_000, refresh: true, reset: false });
    f.feed.cursor(null);
    f.feed.push({ type: 'reset' });
    f.frame();
    expect(f.heard[1]).toMatchObject({ cursor: null, reset: true, refresh: false, closed: false, intervals: [] });
    expect(f.feed.tail.since(0)).toEqual([]);
  });

  it('keeps intervals for keepMs behind the newest', () => {
    const f = fake();
    for (let s = 0; s <= 100_000; s += 10_000) f.feed.push({ type: 'interval', interval: interval(s, 1, true) });
    expect(f.feed.tail.since(0)[0]!.start).toBe(40_000);
  });
});
