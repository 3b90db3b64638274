import type { IncomingMessage, ServerResponse } from 'node:http';
import { attachmentDisposition, fileName, LIMITS, seriesLabel, toWire, ValidationError, type ExecutionDetail } from '../../protocol/index.js';
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
 * The values of a repeatable `<id>:<rest>` query parameter, by the compared id each starts with (ids may hold ':' too:
 * the longest id that matches wins). A value naming no compared id, or with an empty rest, is `invalid` on `param`.
 */
export function perRunParams(values: readonly string[], ids: readonly string[], param: string, rest: string): Array<{ id: string; value: string }> {
  const byLength = [...ids].sort((a, b) => b.length - a.length);
  return values.map((v) => {
    const id = byLength.find((i) => v.startsWith(`${i}:`));
    if (id === undefined) throw new ValidationError(param, `query parameter must be <id>:<${rest}> with one of the compared ids (got ${JSON.stringify(v.slice(0, 80))})`);
    const value = v.slice(id.length + 1);
    if (value === '') throw new ValidationError(param, `query parameter must give a ${rest} after "${id}:"`);
    return { id, value };
  });
}

/**
 * `GET /api/compare/export?ids=a,b&key=k1&key=k2&from=&to=&format=csv|json&name=`: every stored point of the keys of each
 * execution in `ids` (comma-separated, order kept, a repeat counted once) with x in [from, to] at full resolution, streamed
 * window by window over all of them (`readSourcesWindows`), as an attachment named `compare-<name>.<format>`. Columns are
 * `<run name> · <key>` by run, then key, the key as the legend names it (`seriesLabel`: `acc` for `@summary.acc`, unless
 * `acc` is asked too): the run's name is its `label=<id>:<label>` when given (the name the studio's
 * legend shows, at most `LIMITS.maxNameLength` characters, one per id), else `compareRunNames`. `hide=<id>:<key>` (repeatable)
 * leaves out that run's series (a line hidden in the legend); hiding every series is `invalid` on `hide`. csv: header `x,<column>,…`, rows joined on x (empty cell: no
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
  const labels = new Map<string, string>();
  for (const { id, value } of perRunParams(url.searchParams.getAll('label'), ids, 'label', 'label')) {
    if (labels.has(id)) throw new ValidationError('label', `query parameter names execution ${JSON.stringify(id)} twice`);
    if (value.length > LIMITS.maxNameLength) throw new ValidationError('label', `query parameter's label must be at most ${LIMITS.maxNameLength} characters (got ${value.length})`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new ValidationError('label', 'query parameter\'s label must not contain control characters');
    labels.set(id, value);
  }
  const hidden = new Set(perRunParams(url.searchParams.getAll('hide'), ids, 'hide', 'key').map(({ id, value }) => `${id}\n${value}`));
  const details: ExecutionDetail[] = [];
  for (const id of ids) {
    const detail = await ctx.store.getExecution(id);
    if (!detail) throw new DomainError('not_found', 'ids', `no execution ${JSON.stringify(id)}`);
    details.push(detail);
  }
  const runNames = compareRunNames(details.map((d) => d.execution)).map((n, i) => labels.get(ids[i]!) ?? n);
  const sources: ExportSource[] = details
    .map((d) => ({ executionId: d.execution.id, keys: keys.filter((k) => !hidden.has(`${d.execution.id}\n${k}`)), known: d }))
    .filter((s) => s.keys.length > 0);
  if (sources.length === 0) throw new ValidationError('hide', 'query parameters hide every series: nothing to export');
  // One column per shown series, in the sources' order (as `readSourcesWindows` lists them), each key named as the legend
  // names it — a summary value by its path — unless that would read like another key asked for.
  const keyNames = new Map(keys.map((k) => {
    const label = seriesLabel(k);
    return [k, label !== k && keys.includes(label) ? k : label];
  }));
  const columns = sources.flatMap((s) => s.keys.map((key) => ({ source: s, key, name: `${runNames[ids.indexOf(s.executionId)]}${COMPARE_COLUMN_SEPARATOR}${keyNames.get(key)!}` })));
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
      await write(csvHeader(columns.map((c) => c.name)));
      for await (const w of readSourcesWindows(ctx.store, sources, from, to)) await write(joinedCsvRows(w.series));
    } else {
      await write('{"series":[');
      for (let c = 0; c < columns.length; c++) {
        const { source, key, name: column } = columns[c]!;
        await write(`${c === 0 ? '' : ','}{"key":${JSON.stringify(column)},"points":[`);
        let sep = '';
        for await (const w of readSourcesWindows(ctx.store, [{ ...source, keys: [key] }], from, to)) {
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
