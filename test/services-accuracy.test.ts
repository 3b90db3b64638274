import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postBody } from './helpers/server.js';
import { mulberry32 } from './helpers/rng.js';

/**
 * Percentiles exact to 1 %: one million heavy-tailed latencies over HTTP lines from 3 replicas × 2 status codes, half of
 * them sent at sample rate 0.25 (each standing for 4), spread over one past hour. Every percentile the API gives (whole
 * hour, per replica, per status code, sub-ranges at several steps and tiers) is checked against the exact weighted value
 * computed here with DDSketch's rank rule: the first value, in ascending order, whose cumulative weight exceeds q·(W − 1).
 */

const N = 1_000_000;
const HOSTS = ['r1', 'r2', 'r3'];
const CODES = ['200', '500'];
const QUANTILES = [0.5, 0.9, 0.99, 0.999];
const METRIC = 'http.server.request.duration';

let server: RunningServer;
let hour: number;
const value = new Float64Array(N);
const weight = new Float64Array(N);
const host = new Uint8Array(N);
const code = new Uint8Array(N);
const at = new Float64Array(N); // ms
let byValue: Uint32Array;


beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  const rand = mulberry32(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  let body: string[] = [];
  for (let i = 0; i < N; i++) {
    // Log-normal body with a Pareto tail (1 % of requests), seconds: from about 1 ms to minutes.
    const v = rand() < 0.01 ? 0.2 * (1 - rand()) ** (-1 / 1.5) : 0.02 * Math.exp(1.2 * gauss());
    value[i] = v;
    host[i] = i % 3;
    code[i] = rand() < 0.1 ? 1 : 0;
    const rate = i % 2 === 0 ? 1 : 0.25;
    weight[i] = 1 / rate;
    const t = Math.floor(hour / 1000 + rand() * 3600);
    at[i] = t * 1000;
    body.push(`${METRIC}:${v}|d${rate < 1 ? '|@0.25' : ''}|#host:${HOSTS[host[i]!]},http.response.status_code:${CODES[code[i]!]}|T${t}`);
    if (body.length === 50_000) {
      const r = await postBody(`${server.url}/api/ingest/statsd?service=accuracy`, body.join('\n'), { 'content-type': 'text/plain' });
      expect(r.json).toMatchObject({ ok: true, lines: 50_000, metrics: 50_000 });
      body = [];
    }
  }
  byValue = new Uint32Array(N).map((_, i) => i).sort((a, b) => value[a]! - value[b]!);
}, 300_000);

afterAll(async () => {
  await server.close();
});

/** Exact weighted percentiles, count and sum of the values `keep` selects. */
function exact(keep: (i: number) => boolean): { q: number[]; count: number; sum: number } {
  let total = 0, sum = 0;
  for (let i = 0; i < N; i++) {
    if (!keep(i)) continue;
    total += weight[i]!;
    sum += value[i]! * weight[i]!;
  }
  const ranks = QUANTILES.map((q) => q * (total - 1));
  const q = QUANTILES.map(() => NaN);
  let cum = 0, next = 0;
  for (let k = 0; k < N && next < ranks.length; k++) {
    const i = byValue[k]!;
    if (!keep(i)) continue;
    cum += weight[i]!;
    while (next < ranks.length && cum > ranks[next]!) q[next++] = value[i]!;
  }
  return { q, count: total, sum };
}

async function series(params: string): Promise<any> {
  const r = await getJson(`${server.url}/api/services/accuracy/series?metric=${METRIC}&${params}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
}

/** Checks every bucket of a query against the exact values over that bucket's time range. */
async function checkBuckets(range: string, filter: string, keep: (i: number) => boolean, expectTier?: number): Promise<number> {
  let checked = 0;
  const stats = ['count', 'sum', ...QUANTILES.map((q) => `p${q * 100}`)];
  const answers = await Promise.all(stats.map((s) => series(`stat=${s}&${range}${filter}`)));
  const { t, v } = answers[0].series[0];
  if (expectTier !== undefined) expect(answers[0].tier).toBe(expectTier);
  const step = answers[0].step;
  for (let b = 0; b < t.length; b++) {
    const from = t[b], to = t[b] + step;
    const want = exact((i) => at[i]! >= from && at[i]! < to && keep(i));
    if (want.count === 0) continue;
    expect(answers[0].series[0].v[b]).toBe(want.count);
    expect(Math.abs(answers[1].series[0].v[b] - want.sum) / want.sum).toBeLessThan(1e-9);
    QUANTILES.forEach((q, k) => {
      const got = answers[2 + k].series[0].v[b];
      const err = Math.abs(got - want.q[k]!) / want.q[k]!;
      expect(err, `p${q * 100} over [${from}, ${to})${filter}: got ${got}, exact ${want.q[k]}`).toBeLessThanOrEqual(0.01);
    });
    checked++;
  }
  return checked;
}

describe('percentiles exact to 1 % (1,000,000 latencies, 3 replicas × 2 status codes, sample rates 1 and 0.25)', () => {
  it('over the whole hour, from the 1 h tier', async () => {
    const n = await checkBuckets(`from=${hour}&to=${hour + 3_600_000}&budget=1`, '', () => true, 3_600_000);
    expect(n).toBe(1);
    const all = exact(() => true);
    expect(all.count).toBe(N / 2 + (N / 2) * 4);
  });

  it('per replica and per status code', async () => {
    const range = `from=${hour}&to=${hour + 3_600_000}&budget=1`;
    for (let h = 0; h < 3; h++) expect(await checkBuckets(range, `&tag=host:${HOSTS[h]}`, (i) => host[i] === h)).toBe(1);
    for (let c = 0; c < 2; c++) expect(await checkBuckets(range, `&tag=http.response.status_code:${CODES[c]}`, (i) => code[i] === c)).toBe(1);
    const both = `&tag=host:r2&tag=http.response.status_code:500`;
    expect(await checkBuckets(range, both, (i) => host[i] === 1 && code[i] === 1)).toBe(1);
  });

  it('over sub-ranges at 10 min, 1 min and 10 s steps', async () => {
    expect(await checkBuckets(`from=${hour + 600_000}&to=${hour + 2_400_000}&budget=3`, '', () => true, 60_000)).toBe(3);
    expect(await checkBuckets(`from=${hour + 1_200_000}&to=${hour + 1_800_000}&budget=10`, '&tag=host:r3', (i) => host[i] === 2, 60_000)).toBe(10);
    expect(await checkBuckets(`from=${hour + 3_000_000}&to=${hour + 3_060_000}&budget=6`, '', () => true, 10_000)).toBe(6);
  });

  it('splits by tag with by=', async () => {
    const r = await series(`stat=p99&from=${hour}&to=${hour + 3_600_000}&budget=1&by=http.response.status_code`);
    expect(r.series.map((s: any) => s.tags['http.response.status_code'])).toEqual(['200', '500']);
    for (const s of r.series) {
      const c = CODES.indexOf(s.tags['http.response.status_code']);
      const want = exact((i) => code[i] === c).q[2]!;
      expect(Math.abs(s.v[0] - want) / want).toBeLessThanOrEqual(0.01);
    }
  });

  it('summarises requests by status class in the services list', async () => {
    const list = (await getJson(`${server.url}/api/services?window=3h`)).json;
    const item = list.services.find((s: any) => s.name === 'accuracy');
    const fiveXX = exact((i) => code[i] === 1).count;
    expect(item.summary).toMatchObject({ requests: N / 2 + (N / 2) * 4, '5XX': fiveXX, '2XX': N / 2 + (N / 2) * 4 - fiveXX, '4XX': 0 });
  });
});

describe('HTTP DogStatsD ingest', () => {
  it('applies a batch id once, and refuses a bad body whole', async () => {
    const url = `${server.url}/api/ingest/statsd?service=dedupe&batch=b-1`;
    const first = await postBody(url, 'n:1|c\nn:2|c', { 'content-type': 'text/plain' });
    const again = await postBody(url, 'n:1|c\nn:2|c', { 'content-type': 'text/plain' });
    expect(first.json).toEqual({ ok: true, lines: 2, metrics: 2, duplicate: false });
    expect(again.json).toEqual({ ok: true, lines: 2, metrics: 2, duplicate: true });
    const bad = await postBody(`${server.url}/api/ingest/statsd?service=dedupe`, 'n:1|c\nn:x|c', { 'content-type': 'text/plain' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ path: 'lines[1].value', rule: expect.stringContaining('finite decimal number') });
    const now = Date.now();
    const r = await getJson(`${server.url}/api/services/dedupe/series?metric=n&stat=count&from=${now - 60_000}&to=${now + 1}&budget=1`);
    expect(r.json.series[0].v.at(-1)).toBe(3);
  });
});
