import type { IncomingMessage, ServerResponse } from 'node:http';
import { attachmentDisposition, executionSeconds, jsonExact, runsFileName, ValidationError, type Execution, type SummaryValue } from '../../protocol/index.js';
import type { AppContext } from '../app.js';
import { writeAndYield } from '../http-util.js';
import { parseListQuery } from '../list/list-query.js';
import { csvField, csvNumber, csvTime } from './csv.js';

/** The columns every runs CSV has, as the runs table shows them (plus id and status, which the name cell carries). */
export const RUN_COLUMNS = ['id', 'name', 'status', 'labels', 'started', 'duration_s', 'metrics'] as const;
/** Rows read from the store per page of the CSV. */
const PAGE = 500;
const MAX_COLUMNS = 200;

/** An extra column of the runs table: `label:<key>` or `summary:<dotted path>`. */
function parseColumn(c: string): { kind: 'label' | 'summary'; key: string } {
  const m = /^(label|summary):(.+)$/.exec(c);
  if (!m) throw new ValidationError('col', `query parameter must be label:<key> or summary:<path> (got "${c}")`);
  return { kind: m[1] as 'label' | 'summary', key: m[2]! };
}

function summaryAt(summary: Execution['summary'], path: string): SummaryValue | undefined {
  let v: SummaryValue | undefined = summary;
  for (const part of path.split('.')) {
    if (v === undefined || v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, SummaryValue>)[part];
  }
  return v;
}

/** A summary value as a cell: numbers exactly (NaN… by name), strings and booleans as text, arrays and objects as JSON. */
function summaryCell(v: SummaryValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return csvNumber(v);
  return csvField(typeof v === 'object' ? jsonExact(v) : String(v));
}

/** One execution as a CSV row (`now`: the clock for a running execution's duration). */
export function runRow(e: Execution, columns: ReadonlyArray<{ kind: 'label' | 'summary'; key: string }>, now: number): string {
  const seconds = executionSeconds(e, now);
  const cells = [
    csvField(e.id), csvField(e.name), e.status,
    csvField(Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(';')),
    csvTime(e.startedAt), seconds === null ? '' : csvNumber(seconds), String(e.metricCount),
    ...columns.map((c) => (c.kind === 'label' ? csvField(e.labels[c.key] ?? '') : summaryCell(summaryAt(e.summary, c.key)))),
  ];
  return cells.join(',') + '\n';
}

/**
 * `GET /api/executions.csv?<the list's filters and sort>&col=label:<key>&col=summary:<path>`: the runs table as CSV — its
 * columns (id, name, status, labels as `k=v;…`, started as ISO 8601 UTC, duration in seconds, metrics, then each `col` in
 * order) and every execution matching the filters, not just a page: read from the store a page at a time and streamed with
 * backpressure, so any number of runs costs the server one page of memory. Bad parameters are JSON errors before the first
 * byte; a failure mid-stream cuts the connection (a truncated file never looks complete). The file is named after its
 * filters (`runsFileName`).
 */
export async function getRunsCsv(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const params = new URLSearchParams(url.searchParams);
  params.delete('limit');
  params.delete('cursor');
  const query = parseListQuery(params);
  const cols = [...new Set(url.searchParams.getAll('col'))];
  if (cols.length > MAX_COLUMNS) throw new ValidationError('col', `at most ${MAX_COLUMNS} columns`);
  const columns = cols.map(parseColumn);
  let page = await ctx.store.listExecutions({ ...query, limit: PAGE });
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8', 'content-disposition': attachmentDisposition(runsFileName(query)), 'cache-control': 'no-store',
  });
  const write = async (text: string) => {
    await writeAndYield(res, text);
    if (res.destroyed) throw new Error('runs csv: client went away');
  };
  try {
    await write([...RUN_COLUMNS, ...cols].map(csvField).join(',') + '\n');
    const now = Date.now();
    for (;;) {
      if (page.executions.length > 0) await write(page.executions.map((e) => runRow(e, columns, now)).join(''));
      if (!page.nextCursor) break;
      page = await ctx.store.listExecutions({ ...query, limit: PAGE, cursor: page.nextCursor });
    }
    res.end();
  } catch {
    res.destroy();
  }
}
