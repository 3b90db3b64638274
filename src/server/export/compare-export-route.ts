import type { IncomingMessage, ServerResponse } from 'node:http';
import { attachmentDisposition, fileName, LIMITS, toWire, ValidationError, type ExecutionDetail } from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import { numberParam, writeAndYield } from '../http-util.js';
import type { AppContext } from '../app.js';
import { csvHeader, csvNumber, joinedCsvRows } from './csv.js';
import { readSourcesWindows, type ExportSource, type ExportWindow } from './export-reader.js';

/** Between a run's name and a metric key in a compare column, as the compare legend writes it. */
export const COMPARE_COLUMN_SEPARATOR = ' · ';

/**
 * Each run's name in a compare export: its execution name, or `<name> (<id>)` when another compared run has the same name.
 */
export function compareRunNames(executions: ReadonlyArray<{ id: string; name: string }>): string[] {
  return executions.map((e) => (executions.some((o) => o !== e && o.name === e.name) ? `${e.name} (${e.id})` : e.name));
}

/**
 * `GET /api/compare/export?ids=a,b&key=k1&key=k2&from=&to=&format=csv|json&name=`: every stored point of the keys of each
 * execution in `ids` (comma-separated, order kept, a repeat counted once) with x in [from, to] at full resolution, streamed
 * window by window over all of them (`readSourcesWindows`), as an attachment named `compare-<name>.<format>`. Columns are
 * `<run name> · <key>` by run, then key (`compareRunNames`). csv: header `x,<column>,…`, rows joined on x (empty cell: no
 * point there); json: `{"series":[{"key":<column>,"points":[[x,y],…]},…]}`, non-finite y as "NaN"/"Infinity"/"-Infinity".
 * At most `LIMITS.maxKeysPerRead` ids × keys. Bad parameters are `invalid` naming the parameter; an unknown id is
 * `not_found` on `ids`. A failure mid-stream cuts the connection, so a truncated file never looks complete.
 */
export async function getCompareExport(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const idsParam = url.searchParams.get('ids') ?? '';
  const ids = [...new Set(idsParam.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (ids.length === 0) throw new ValidationError('ids', 'query parameter is required: the compared executions, comma-separated (?ids=a,b)');
  const keys = [...new Set(url.searchParams.getAll('key'))];
  if (keys.length === 0) throw new ValidationError('key', 'query parameter is required (repeat it for several series: ?key=a&key=b)');
  if (ids.length * keys.length > LIMITS.maxKeysPerRead) {
    throw new ValidationError('key', `query parameters may name at most ${LIMITS.maxKeysPerRead} series in all (ids × keys; got ${ids.length} × ${keys.length})`);
  }
  const format = url.searchParams.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new ValidationError('format', `query parameter must be csv or json (got "${format}")`);
  const from = numberParam(url.searchParams, 'from');
  const to = numberParam(url.searchParams, 'to');
  if (from !== undefined && to !== undefined && from > to) throw new ValidationError('to', `query parameter must not be less than from (${from})`);
  const name = url.searchParams.get('name');
  if (name !== null && name.length > LIMITS.maxNameLength) throw new ValidationError('name', `query parameter must be at most ${LIMITS.maxNameLength} characters (got ${name.length})`);
  const details: ExecutionDetail[] = [];
  for (const id of ids) {
    const detail = await ctx.store.getExecution(id);
    if (!detail) throw new DomainError('not_found', 'ids', `no execution ${JSON.stringify(id)}`);
    details.push(detail);
  }
  const runNames = compareRunNames(details.map((d) => d.execution));
  const columns = runNames.flatMap((run) => keys.map((k) => `${run}${COMPARE_COLUMN_SEPARATOR}${k}`));
  const sources: ExportSource[] = details.map((d) => ({ executionId: d.execution.id, keys, known: d }));
  const file = fileName(['compare', [name ?? '', keys.join('+')]], format);

  const write = async (text: string) => {
    await writeAndYield(res, text);
    if (res.destroyed) throw new Error('export: client went away');
  };
  res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    'content-disposition': attachmentDisposition(file),
    'cache-control': 'no-store',
  });
  try {
    if (format === 'csv') {
      await write(csvHeader(columns));
      for await (const w of readSourcesWindows(ctx.store, sources, from, to)) await write(joinedCsvRows(w.series));
    } else {
      await write('{"series":[');
      for (let c = 0; c < columns.length; c++) {
        const source = sources[Math.floor(c / keys.length)]!;
        await write(`${c === 0 ? '' : ','}{"key":${JSON.stringify(columns[c])},"points":[`);
        let sep = '';
        for await (const w of readSourcesWindows(ctx.store, [{ ...source, keys: [keys[c % keys.length]!] }], from, to)) {
          const text = jsonPoints(w, sep);
          if (text !== '') sep = ',';
          await write(text);
        }
        await write(']}');
      }
      await write(']}');
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** The `[x,y]` items of a one-series window, each after `sep` (then ','), y in wire form. */
function jsonPoints(w: ExportWindow, sep: string): string {
  const s = w.series[0]!;
  let out = '';
  for (let i = 0; i < s.x.length; i++) {
    out += `${sep}[${csvNumber(s.x[i]!)},${JSON.stringify(toWire(s.y[i]!))}]`;
    sep = ',';
  }
  return out;
}
