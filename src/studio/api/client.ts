import { decodeSeriesBinary, LIMITS, SERIES_BINARY_TYPE, type ApiError, type SeriesColumnsRead, type Execution, type ExecutionDetail, type ExecutionFields, type ExecutionList, type ExecutionPatch, type SeriesResponse } from '../../protocol/index.js';
import { authHeaders, reportUnauthorized } from './auth.js';

/** REST reads of the Plotline server (same origin; `npm run dev` proxies /api). */

export class ApiRequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return requestJson<T>(path, { signal: signal ?? null });
}

async function requestJson<T>(path: string, init: RequestInit): Promise<T> {
  return (await request(path, init)).json() as Promise<T>;
}

/** A request answered 2xx (else an `ApiRequestError` with the server's message), asking for `accept`. */
async function request(path: string, init: RequestInit, accept = 'application/json'): Promise<Response> {
  const res = await fetch(path, { ...init, headers: { accept, ...authHeaders(), ...(init.body !== undefined && { 'content-type': 'application/json' }) } });
  if (res.status === 401) reportUnauthorized();
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as ApiError;
      // The server's error already names the field ("id: no execution …").
      if (body.error) message = body.error;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiRequestError(res.status, message);
  }
  return res;
}

/**
 * One page of the executions list. `params` carries the filters and sort as the API spells them (see
 * `model/list-view.ts` `filterParams`); `limit` and `cursor` select the page.
 */
export function listExecutions(params: URLSearchParams, page: { limit?: number; cursor?: string | null }, signal?: AbortSignal): Promise<ExecutionList> {
  const p = new URLSearchParams(params);
  if (page.limit) p.set('limit', String(page.limit));
  if (page.cursor) p.set('cursor', page.cursor);
  const qs = p.toString();
  return getJson(`/api/executions${qs ? `?${qs}` : ''}`, signal);
}

/** Label keys (with values) and numeric summary paths over all executions: the columns and filters the table offers. */
export function getExecutionFields(signal?: AbortSignal): Promise<ExecutionFields> {
  return getJson('/api/execution-fields', signal);
}

/** Deletes an execution and everything recorded in it. */
export function deleteExecution(id: string): Promise<{ ok: true; id: string }> {
  return requestJson(`/api/executions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Replaces labels and/or the note of an execution; answers the execution as it is now. */
export function patchExecution(id: string, patch: ExecutionPatch): Promise<{ execution: Execution }> {
  return requestJson(`/api/executions/${encodeURIComponent(id)}`, { method: 'PATCH', body: JSON.stringify(patch) });
}

export function getExecution(id: string, signal?: AbortSignal): Promise<ExecutionDetail> {
  return getJson(`/api/executions/${encodeURIComponent(id)}`, signal);
}

export interface SeriesQuery {
  keys: readonly string[];
  from?: number;
  to?: number;
  /** Points per series the chart can show (about 4 × its pixel width: first/min/max/last per pixel). */
  budget?: number;
  /** Let bucket edges snap to the store's block boundaries (the server then decodes no points; see the API's `snap`). */
  snap?: boolean;
  /** Also the line smoothed on the server from every stored point (`smooth=<algorithm>:<weight>`). */
  smooth?: string;
}

/** A series read: as JSON (`SeriesResponse`), or in float64 columns when the server answered in binary. */
export interface SeriesRead {
  series: Array<SeriesResponse['series'][number] | SeriesColumnsRead>;
}

/**
 * Reads series history, in binary (float64 columns: no JSON to build or parse, see `protocol/binary-series.ts`); many
 * keys are read in several requests, within the server's keys and points per request.
 */
export async function getSeries(id: string, query: SeriesQuery, signal?: AbortSignal): Promise<SeriesRead> {
  const budget = Math.min(LIMITS.maxBudget, Math.max(4, Math.round(query.budget ?? LIMITS.maxBudget)));
  const perRequest = Math.max(1, Math.min(LIMITS.maxKeysPerRead, Math.floor(LIMITS.maxPointsPerRead / budget)));
  if (query.keys.length <= perRequest) return getSeriesOnce(id, { ...query, budget }, signal);
  const parts: Array<Promise<SeriesRead>> = [];
  for (let i = 0; i < query.keys.length; i += perRequest) {
    parts.push(getSeriesOnce(id, { ...query, keys: query.keys.slice(i, i + perRequest), budget }, signal));
  }
  return { series: (await Promise.all(parts)).flatMap((r) => r.series) };
}

async function getSeriesOnce(id: string, query: SeriesQuery, signal?: AbortSignal): Promise<SeriesRead> {
  const p = new URLSearchParams();
  for (const k of query.keys) p.append('key', k);
  if (query.from !== undefined) p.set('from', String(query.from));
  if (query.to !== undefined) p.set('to', String(query.to));
  if (query.budget !== undefined) p.set('budget', String(Math.round(query.budget)));
  if (query.snap) p.set('snap', 'true');
  if (query.smooth !== undefined) p.set('smooth', query.smooth);
  return readSeriesAnswer(`/api/executions/${encodeURIComponent(id)}/series?${p}`, signal);
}

/**
 * Every stored point of `keys` with x ≥ `from` (all when absent) at full resolution, through the export's binary form: the
 * frames in x order, several per key (append them in order). No point cap: callers bound what they ask for.
 */
export async function getFullResolution(id: string, keys: readonly string[], from?: number, signal?: AbortSignal): Promise<SeriesColumnsRead[]> {
  const p = new URLSearchParams(keys.map((k) => ['key', k]));
  if (from !== undefined) p.set('from', String(from));
  p.set('format', 'binary');
  const res = await request(`/api/executions/${encodeURIComponent(id)}/export?${p}`, { signal: signal ?? null }, SERIES_BINARY_TYPE);
  return decodeSeriesBinary(await res.arrayBuffer());
}

/**
 * A data download (an export URL) read whole into a Blob to save: a refused request is an `ApiRequestError` with the
 * server's message (a URL the server will not take included, 431), and a body cut off mid-stream (the server closes the
 * connection on a failure after the header went out) is an `Error` saying so, so a download never fails silently.
 */
export async function fetchDownload(path: string, accept: string): Promise<Blob> {
  const res = await request(path, {}, accept);
  try {
    return await res.blob();
  } catch {
    throw new Error('the download was cut off before it was complete; try again');
  }
}

/** A series answer, asked in binary, decoded from whichever form the server chose. */
async function readSeriesAnswer(path: string, signal?: AbortSignal): Promise<SeriesRead> {
  const res = await request(path, { signal: signal ?? null }, `${SERIES_BINARY_TYPE}, application/json;q=0.5`);
  if ((res.headers.get('content-type') ?? '').startsWith(SERIES_BINARY_TYPE)) return { series: decodeSeriesBinary(await res.arrayBuffer()) };
  return (await res.json()) as SeriesResponse;
}

/** One execution's part of a read of several: its keys at its budget. */
export interface ExecutionSeriesQuery {
  id: string;
  keys: readonly string[];
  budget: number;
}

/**
 * Reads the history of several executions (`GET /api/series?exec=…&key=…`) in as few requests as the server's caps allow:
 * executions asking the same keys at the same budget share requests of at most `maxKeysPerRead` executions × keys and
 * `maxPointsPerRead` points. Answers each execution's read, by id.
 */
export async function getSeriesOfExecutions(reads: readonly ExecutionSeriesQuery[], opts: { snap?: boolean } = {}, signal?: AbortSignal): Promise<Map<string, SeriesRead>> {
  const out = new Map<string, SeriesRead>(reads.map((r) => [r.id, { series: [] }]));
  const groups = new Map<string, { keys: readonly string[]; budget: number; ids: string[] }>();
  for (const r of reads) {
    if (r.keys.length === 0) continue;
    const budget = Math.min(LIMITS.maxBudget, Math.max(4, Math.round(r.budget)));
    const sig = JSON.stringify([budget, r.keys]);
    const g = groups.get(sig) ?? { keys: r.keys, budget, ids: [] };
    g.ids.push(r.id);
    groups.set(sig, g);
  }
  const parts: Array<Promise<void>> = [];
  for (const { keys, budget, ids } of groups.values()) {
    const perRequest = Math.max(1, Math.min(LIMITS.maxKeysPerRead, Math.floor(LIMITS.maxPointsPerRead / budget)));
    if (keys.length > perRequest) {
      // One execution alone fills a request: its keys are split as `getSeries` splits them.
      for (const id of ids) parts.push(getSeries(id, { keys, budget, ...opts }, signal).then((r) => void out.set(id, r)));
      continue;
    }
    const execsPerRequest = Math.floor(perRequest / keys.length);
    for (let i = 0; i < ids.length; i += execsPerRequest) {
      const p = new URLSearchParams();
      for (const id of ids.slice(i, i + execsPerRequest)) p.append('exec', id);
      for (const k of keys) p.append('key', k);
      p.set('budget', String(budget));
      if (opts.snap) p.set('snap', 'true');
      parts.push(readSeriesAnswer(`/api/series?${p}`, signal).then((r) => {
        for (const s of r.series as Array<(SeriesResponse['series'][number] | SeriesColumnsRead) & { exec?: string }>) out.get(s.exec!)?.series.push(s);
      }));
    }
  }
  await Promise.all(parts);
  return out;
}

/** `GET /api/services?window=`: the services table. */
export function listServices(window: string, signal?: AbortSignal): Promise<{ window: number; services: import('../../protocol/index.js').ServiceListItem[] }> {
  return getJson(`/api/services?window=${encodeURIComponent(window)}`, signal);
}

/** `GET /api/services/:name?window=`: a service and its metrics. */
export function getService(name: string, window: string, signal?: AbortSignal): Promise<import('../../protocol/index.js').ServiceDetail> {
  return getJson(`/api/services/${encodeURIComponent(name)}?window=${encodeURIComponent(window)}`, signal);
}

/** `GET /api/services/:name/replicas`: the replicas heard from per bucket (hosts over all the service's metrics). */
export function getServiceReplicas(name: string, q: { from: number; to: number; budget: number }, signal?: AbortSignal): Promise<{ step: number; series: Array<{ tags: Record<string, string | null>; t: number[]; v: Array<number | null> }> }> {
  const p = new URLSearchParams({ from: String(Math.floor(q.from)), to: String(Math.ceil(q.to)), budget: String(q.budget) });
  return getJson(`/api/services/${encodeURIComponent(name)}/replicas?${p}`, signal);
}

/** `GET /api/services/:name/series`: one stat of one metric in buckets, optionally filtered by tags and split by one. */
export function getServiceSeries(name: string, q: { metric: string; stat: string; from: number; to: number; budget: number; tags?: string[]; by?: string }, signal?: AbortSignal): Promise<{ step: number; series: Array<{ tags: Record<string, string | null>; t: number[]; v: Array<number | null> }> }> {
  const p = new URLSearchParams({ metric: q.metric, stat: q.stat, from: String(Math.floor(q.from)), to: String(Math.ceil(q.to)), budget: String(q.budget) });
  for (const t of q.tags ?? []) p.append('tag', t);
  if (q.by) p.set('by', q.by);
  return getJson(`/api/services/${encodeURIComponent(name)}/series?${p}`, signal);
}
