import { describe, expect, it } from 'vitest';
import { parseServeArgs, UsageError } from './args.js';

describe('plotline serve flags', () => {
  it('defaults to loopback, port 7777 and a file store under .plotline', () => {
    expect(parseServeArgs([])).toEqual({
      port: 7777, host: '127.0.0.1', db: '.plotline/plotline.db', demo: false, lostAfterMs: 60_000, token: null, statsdPort: 8125, otlpPort: null, retention: {}, maxTagSets: 10_000,
      readToken: null, publicUrls: [], allowOrigins: [],
    });
  });
  it('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(parseServeArgs(['--port', '0', '--host=0.0.0.0', '--db', ':memory:', '--demo', '--lost-after', '2.5', '--token=t',
      '--read-token', 'r', '--public-url', 'https://plotline.example.org/x', '--allow-origin=http://dash.example:8080'])).toEqual({
      port: 0, host: '0.0.0.0', db: ':memory:', demo: true, lostAfterMs: 2500, token: 't', statsdPort: 8125, otlpPort: null, retention: {}, maxTagSets: 10_000,
      readToken: 'r', publicUrls: ['https://plotline.example.org'], allowOrigins: ['http://dash.example:8080'],
    });
  });
  it('reads the service-metric flags', () => {
    expect(parseServeArgs(['--statsd-port', '0', '--retention', '10s=1d,1h=90d', '--max-tag-sets=500'])).toMatchObject({
      statsdPort: 0, retention: { '10s': 86_400_000, '1h': 90 * 86_400_000 }, maxTagSets: 500,
    });
    expect(parseServeArgs(['--statsd-port=off']).statsdPort).toBeNull();
  });
  it('takes the token from PLOTLINE_TOKEN', () => {
    expect(parseServeArgs([], { PLOTLINE_TOKEN: 'env' }).token).toBe('env');
  });
  it.each([
    [['--read-token', 'r'], /--read-token needs --token/],
    [['--token', 't', '--read-token', 't'], /--read-token must differ/],
    [['--public-url', 'ftp://x'], /--public-url must be an http/],
    [['--allow-origin', 'nope'], /--allow-origin must be an http/],
    [['--port', 'abc'], /--port must be an integer from 0 to 65535/],
    [['--port', '70000'], /--port must be an integer/],
    [['--port'], /--port needs a value/],
    [['--lost-after', '-1'], /--lost-after must be a positive number/],
    [['--verbose'], /unknown option "--verbose"/],
    [['--statsd-port', 'udp'], /--statsd-port must be an integer from 0 to 65535, or off/],
    [['--retention', '5m=1d'], /--retention: tier must be one of 10s, 1m, 1h/],
    [['--retention', '1m=forever'], /--retention: 1m needs a duration/],
    [['--max-tag-sets', '0'], /--max-tag-sets must be a positive integer/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseServeArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseServeArgs(argv as string[])).toThrow(message);
  });
});
