import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  attachmentDisposition, encodeColumnsFrame, LIMITS, panelFileName, SERIES_BINARY_TYPE, seriesBinaryPreamble, wireJson, ValidationError, type ExecutionDetail,
} from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import { numberParam, writeAndYield } from '../http-util.js';
import type { AppContext } from '../app.js';
import { csvHeader, csvNumber, joinedCsvRows } from './csv.js';
import { readExportWindows, type ExportWindow } from './export-reader.js';
import { rowWallTime, wallTimeOf } from './wall-time.js';

/**
 * `GET /api/executions/:id/export?key=…&from=&to=&format=csv|json|binary`: every stored point of the series in [from, to] at
 * full resolution (no point cap), streamed window by window (see `readExportWindows`) with backpressure, as an attachment.
 * - csv (default): header `x,<key>,…`, one row per distinct x, the series joined on x (empty cell: no point there).
 * - json: `{"series":[{"key":K,"points":[[x,y],…]},…]}` with non-finite y as the wire strings "NaN"/"Infinity"/"-Infinity".
 * - binary: the binary series answer (`protocol/binary-series.ts`, `application/vnd.plotline.series`) with one frame per
 *   series per window, in x order: what the studio reads to smooth a long series from every point in the tab.
 * `time=wall` adds when each point was recorded (server/export/wall-time.ts; unknown: empty / null): a `wall_time` column
 * after x in CSV (ISO 8601 UTC), a third item `t` (ms since the epoch) per JSON point.
 * The series are named by `key` (at most `LIMITS.maxKeysPerRead` distinct keys; a repeated key is one column), or by
 * `group=<name>`: every metric of that group in definition order (any number: a panel of thousands of series exports whole
 * in a short URL), less those named by repeated `omit=<key>` (the panel's hidden lines). An unknown group is `not_found`.
 * The file is named after what it holds (protocol/file-name.ts): `<execution name>-<name>.<format>`, `name` being what the
 * asker calls the series (the studio sends its panel's name; at most `LIMITS.maxNameLength` characters), else
 * `exportSubject` of the keys.
 * Errors found before the first byte (bad parameters, no such execution) are ordinary JSON errors; a failure mid-stream
 * cuts the connection, so a truncated file never looks complete.
 */
export async function getExport(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL, [id]: string[]): Promise<void> {
  const group = url.searchParams.get('group');
  const named = [...new Set(url.searchParams.getAll('key'))];
  if (group !== null && named.length > 0) throw new ValidationError('group', 'query parameter names the series itself: give either key or group, not both');
  if (group === null && named.length === 0) throw new ValidationError('key', 'query parameter is required (repeat it for several series: ?key=a&key=b, or name their group: ?group=g)');
  if (named.length > LIMITS.maxKeysPerRead) throw new ValidationError('key', `query parameter may name at most ${LIMITS.maxKeysPerRead} distinct series (name their group instead: ?group=g)`);
  const omit = new Set(url.searchParams.getAll('omit'));
  if (group === null && omit.size > 0) throw new ValidationError('omit', 'query parameter leaves series out of a group: it needs group');
  const format = url.searchParams.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json' && format !== 'binary') throw new ValidationError('format', `query parameter must be csv, json or binary (got "${format}")`);
  const from = numberParam(url.searchParams, 'from');
  const to = numberParam(url.searchParams, 'to');
  if (from !== undefined && to !== undefined && from > to) throw new ValidationError('to', `query parameter must not be less than from (${from})`);
  const time = url.searchParams.get('time');
  if (time !== null && time !== 'wall') throw new ValidationError('time', `query parameter must be "wall" (adds when each point was recorded) or left out (got "${time}")`);
  const name = url.searchParams.get('name');
  if (name !== null && name.length > LIMITS.maxNameLength) throw new ValidationError('name', `query parameter must be at most ${LIMITS.maxNameLength} characters (got ${name.length})`);
  const execution = await ctx.store.getExecution(id!);
  if (!execution) throw new DomainError('not_found', 'id', `no execution "${id}"`);
  const keys = group === null ? named : groupKeys(execution, group, omit);
  const detail = time === 'wall' ? execution : null;
  const withTime = detail !== null;
  const fileName = panelFileName(execution.execution, name ?? exportSubject(execution, keys), keys, format === 'binary' ? 'bin' : format);

  const write = async (text: string) => {
    await writeAndYield(res, text);
    if (res.destroyed) throw new Error('export: client went away');
  };
  const start = () => {
    if (res.headersSent) return;
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : format === 'json' ? 'application/json; charset=utf-8' : SERIES_BINARY_TYPE,
      'content-disposition': attachmentDisposition(fileName),
      'cache-control': 'no-store',
    });
  };
  try {
    if (format === 'binary') {
      const windows = readExportWindows(ctx.store, id!, keys, from, to);
      const first = await windows.next();
      start();
      await writeAndYield(res, seriesBinaryPreamble());
      const frames = async (w: ExportWindow) => {
        for (const s of w.series) if (s.x.length > 0) await writeAndYield(res, encodeColumnsFrame(s.key, s.x, s.y));
        if (res.destroyed) throw new Error('export: client went away');
      };
      if (!first.done) await frames(first.value);
      for await (const w of windows) await frames(w);
    } else if (format === 'csv') {
      const windows = readExportWindows(ctx.store, id!, keys, from, to);
      const first = await windows.next(); // raises not_found before the header goes out
      start();
      await write(csvHeader(keys, withTime));
      const rows = (w: ExportWindow) => joinedCsvRows(w.series, detail ? rowWallTime(detail, w.series) : undefined);
      if (!first.done) await write(rows(first.value));
      for await (const w of windows) await write(rows(w));
    } else {
      for (let k = 0; k < keys.length; k++) {
        const windows = readExportWindows(ctx.store, id!, [keys[k]!], from, to, undefined, execution);
        const first = await windows.next();
        start();
        await write(`${k === 0 ? '{"series":[' : ','}{"key":${JSON.stringify(keys[k])},"points":[`);
        let sep = '';
        const emit = async (w: ExportWindow) => {
          const s = w.series[0]!;
          const timeOf = detail ? wallTimeOf(detail, s.key, s.times) : null;
          let out = '';
          for (let i = 0; i < s.x.length; i++) {
            const t = timeOf ? timeOf(s.x[i]!) : NaN;
            const tail = timeOf ? `,${Number.isNaN(t) ? 'null' : csvNumber(Math.round(t))}` : '';
            out += `${sep}[${csvNumber(s.x[i]!)},${wireJson(s.y[i]!)}${tail}]`;
            sep = ',';
          }
          await write(out);
        };
        if (!first.done) await emit(first.value);
        for await (const w of windows) await emit(w);
        await write(']}');
      }
      await write(']}');
    }
    res.end();
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    throw err;
  }
}

/**
 * What an export of `keys` holds, named as the studio names its panels: the group's name when every key is in one group,
 * else the single key, else the keys joined by `+`.
 */
export function exportSubject(detail: Pick<ExecutionDetail, 'definitions'>, keys: readonly string[]): string {
  const groups = new Set(keys.map((k) => detail.definitions.find((d) => d.key === k)?.group?.name));
  const [group] = groups;
  if (groups.size === 1 && group !== undefined) return group;
  return keys.join('+');
}

/** The keys of `group`'s metrics in definition order (a panel's lines), less `omit`; a group the execution lacks is `not_found`. */
export function groupKeys(detail: Pick<ExecutionDetail, 'definitions'>, group: string, omit: ReadonlySet<string>): string[] {
  const members = detail.definitions.filter((d) => d.group?.name === group).map((d) => d.key);
  if (members.length === 0) throw new DomainError('not_found', 'group', `execution has no group ${JSON.stringify(group)}`);
  return members.filter((k) => !omit.has(k));
}
