import { describe, expect, it } from 'vitest';
import { parseServiceView, serviceViewSearch, type ServiceView } from './service-view-url.js';

describe('a service page view in its URL', () => {
  it('round-trips live ranges, a zoomed range and UTC', () => {
    const views: ServiceView[] = [
      { range: { live: true, span: 3_600_000 }, utc: false },
      { range: { live: true, span: 86_400_000 }, utc: true },
      { range: { live: false, from: 1_764_567_000_000, to: 1_764_567_900_000 }, utc: false },
    ];
    for (const v of views) expect(parseServiceView(serviceViewSearch(v))).toEqual(v);
    expect(serviceViewSearch(views[0]!)).toBe('');
    expect(serviceViewSearch(views[1]!)).toBe('?range=24h&utc=1');
    expect(serviceViewSearch(views[2]!)).toBe('?from=1764567000000&to=1764567900000');
  });

  it('falls back to the last hour, live, for what it cannot read', () => {
    for (const s of ['?range=3y', '?from=5&to=2', '?from=x&to=9', '?from=1e400&to=2']) {
      expect(parseServiceView(s).range).toEqual({ live: true, span: 3_600_000 });
    }
  });
});
