/**
 * DogStatsD lines (Datadog's extension of StatsD), as sent by Datadog's clients, `hot-shots`, Cortex's metrics client and
 * Plotline's SDKs: `name:value[:value…]|type[|@rate][|#tag,k:v][|T<unix seconds>][|c:<container>][|…]`.
 *
 * Source of the format: Datadog's "DogStatsD datagram format" documentation and the Agent's parser
 * (`comp/dogstatsd/server/parse.go`): fields after the type may come in any order; `c:` (container id) and any later field
 * the Agent added since (`e:`, `card:`) are accepted and ignored; several lines travel in one datagram, separated by `\n`.
 * Events (`_e{title_len,text_len}:title|text|…`) and service checks (`_sc|name|status|…`) are recognised and counted, not stored.
 *
 * The parser is a hand-written scanner (no regular expressions, no split) because it runs for every UDP line: it fills a
 * reused {@link StatsdLine} and returns null, or returns a {@link StatsdRefusal} naming the field and the rule.
 */

/** Wire types of a metric line. */
export const STATSD_TYPES = ['c', 'g', 'h', 'ms', 'd', 's'] as const;
export type StatsdType = (typeof STATSD_TYPES)[number];

/**
 * How a line is aggregated: `c` → counter (sum weighted by 1/rate), `g` → gauge (last, min, max), `h`/`ms`/`d` → one
 * distribution kind (sketch + exact count/sum/min/max), `s` → set (distinct count).
 */
export type MetricKind = 'counter' | 'gauge' | 'distribution' | 'set';

export const KIND_OF_TYPE: Readonly<Record<StatsdType, MetricKind>> = {
  c: 'counter', g: 'gauge', h: 'distribution', ms: 'distribution', d: 'distribution', s: 'set',
};

export const STATSD_LIMITS = {
  /** A longer line is refused (a UDP datagram is at most 64 KiB anyway). */
  maxLineLength: 16_384,
  maxNameLength: 200,
  maxTagLength: 200,
  maxTags: 100,
  /** Packed values on one line (`name:1:2:3|h`). */
  maxValues: 1000,
  maxSetMemberLength: 200,
} as const;

/** One parsed line. Reused between lines by the caller: copy what you keep. */
export class StatsdLine {
  /** `metric` for a metric line; events and service checks carry nothing else. */
  what: 'metric' | 'event' | 'service_check' = 'metric';
  name = '';
  type: StatsdType = 'c';
  kind: MetricKind = 'counter';
  /** Numeric values (several when packed). Empty for a set. */
  values: number[] = [];
  /** The member of a set line (`s`), else ''. */
  member = '';
  /** Sample rate in (0, 1]; each value stands for 1/rate values. */
  rate = 1;
  /** The raw tag list after `#` (comma-separated, as sent), or '' without tags. */
  tags = '';
  /** `|T` timestamp in Unix seconds, or NaN when the line has none. */
  timestamp = NaN;
}

/** Why a line was refused: the field (`name`, `value`, `type`, `rate`, `tags`, `timestamp`, `line`) and the rule. */
export interface StatsdRefusal {
  field: string;
  rule: string;
}

function refuse(field: string, rule: string): StatsdRefusal {
  return { field, rule };
}

const PIPE = 124, COLON = 58, HASH = 35, AT = 64, COMMA = 44, UPPER_T = 84;

/** Control characters and whitespace are refused in names and tags; a name also cannot hold `|`, `:`, `#`, `,` or `@`. */
function nameProblem(text: string, start: number, end: number): string | null {
  if (end === start) return 'must not be empty';
  if (end - start > STATSD_LIMITS.maxNameLength) return `must be at most ${STATSD_LIMITS.maxNameLength} characters (got ${end - start})`;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 127) return 'must not contain whitespace or control characters';
    if (c === HASH || c === COMMA || c === AT) return `must not contain "${String.fromCharCode(c)}"`;
  }
  return null;
}

/**
 * Parses a decimal number the way DogStatsD clients write them (`12`, `-0.5`, `1e-3`). `Number()` alone would also take
 * `0x10`, `Infinity`, '' and whitespace, so the characters are checked first.
 */
function parseValue(text: string, start: number, end: number): number {
  if (end === start) return NaN;
  // Fast path for [-]digits[.digits] with at most 15 digits: the integer of the digits and the power of ten are both exact
  // doubles, so their quotient is the correctly rounded value, the same double Number() gives (Clinger's fast path).
  let i = start;
  const negative = text.charCodeAt(i) === 45;
  if (negative) i++;
  let mantissa = 0, digits = 0, scale = 1, seenDot = false;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (seenDot) scale *= 10;
    } else if (c === 46 && !seenDot) seenDot = true;
    else break;
  }
  if (i === end && digits > 0 && digits <= 15) return negative ? -mantissa / scale : mantissa / scale;
  return parseValueSlow(text, start, end);
}

function parseValueSlow(text: string, start: number, end: number): number {
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 46 && c !== 43 && c !== 45 && c !== 101 && c !== 69) return NaN; // . + - e E
  }
  if (digits === 0) return NaN;
  return Number(text.slice(start, end));
}

function parseType(text: string, start: number, end: number): StatsdType | null {
  const n = end - start;
  const a = text.charCodeAt(start);
  if (n === 1) {
    if (a === 99) return 'c';
    if (a === 103) return 'g';
    if (a === 104) return 'h';
    if (a === 100) return 'd';
    if (a === 115) return 's';
  } else if (n === 2 && a === 109 && text.charCodeAt(start + 1) === 115) return 'ms';
  return null;
}

function tagsProblem(text: string, start: number, end: number): string | null {
  let count = 0;
  let tagStart = start;
  for (let i = start; i <= end; i++) {
    const c = i === end ? COMMA : text.charCodeAt(i);
    if (c === COMMA) {
      const len = i - tagStart;
      if (len > STATSD_LIMITS.maxTagLength) return `each tag must be at most ${STATSD_LIMITS.maxTagLength} characters (tag ${count + 1} has ${len})`;
      if (len > 0 && ++count > STATSD_LIMITS.maxTags) return `must have at most ${STATSD_LIMITS.maxTags} tags`;
      tagStart = i + 1;
    } else if (c < 32 || c === 127) return 'must not contain control characters';
  }
  return null;
}

/**
 * Parses `text.slice(start, end)` (one line, without its `\n`) into `out`. Returns null when it is a metric line, an event
 * or a service check, else the refusal.
 */
export function parseStatsdLine(text: string, start: number, end: number, out: StatsdLine): StatsdRefusal | null {
  if (end > start && text.charCodeAt(end - 1) === 13) end--; // \r\n
  if (end - start > STATSD_LIMITS.maxLineLength) return refuse('line', `must be at most ${STATSD_LIMITS.maxLineLength} characters (got ${end - start})`);
  if (text.charCodeAt(start) === 95) { // _
    // `out` is reused line after line: an event or service check must not carry the previous metric's fields (its `|T`
    // timestamp refused the next service check as too far ahead).
    out.rate = 1;
    out.tags = '';
    out.timestamp = NaN;
    if (text.startsWith('_e{', start)) {
      out.what = 'event';
      return text.indexOf('}:', start) > 0 && text.indexOf('}:', start) < end ? null : refuse('event', 'must look like _e{title_length,text_length}:title|text');
    }
    if (text.startsWith('_sc|', start)) {
      out.what = 'service_check';
      return null;
    }
  }
  out.what = 'metric';
  // The name ends at the first ':', name:value at the first '|' (one scan for both).
  let pipe = -1, colon = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) {
      if (colon < 0) colon = i;
    } else if (c === PIPE) {
      pipe = i;
      break;
    }
  }
  const headEnd = pipe < 0 ? end : pipe;
  if (colon < 0) {
    const problem = nameProblem(text, start, headEnd);
    if (problem) return refuse('name', problem);
    return refuse('value', 'missing: a line is name:value|type (no ":" after the name)');
  }
  const problem = nameProblem(text, start, colon);
  if (problem) return refuse('name', problem);
  if (pipe < 0) return refuse('type', 'missing: a line is name:value|type (no "|" after the value)');
  // Type: up to the next '|'.
  let typeEnd = end;
  for (let i = pipe + 1; i < end; i++) if (text.charCodeAt(i) === PIPE) { typeEnd = i; break; }
  const type = parseType(text, pipe + 1, typeEnd);
  if (type === null) return refuse('type', `must be one of c, g, h, ms, d, s (got "${text.slice(pipe + 1, typeEnd)}")`);
  out.name = text.slice(start, colon);
  out.type = type;
  out.kind = KIND_OF_TYPE[type];
  const values = out.values;
  values.length = 0;
  out.member = '';
  if (type === 's') {
    if (headEnd === colon + 1) return refuse('value', 'a set member must not be empty');
    if (headEnd - colon - 1 > STATSD_LIMITS.maxSetMemberLength) return refuse('value', `a set member must be at most ${STATSD_LIMITS.maxSetMemberLength} characters`);
    for (let i = colon + 1; i < headEnd; i++) {
      const c = text.charCodeAt(i);
      if (c < 32 || c === 127) return refuse('value', 'a set member must not contain control characters');
    }
    out.member = text.slice(colon + 1, headEnd);
  } else {
    let valueStart = colon + 1;
    for (let i = valueStart; i <= headEnd; i++) {
      if (i < headEnd && text.charCodeAt(i) !== COLON) continue;
      const v = parseValue(text, valueStart, i);
      if (!Number.isFinite(v)) {
        const raw = text.slice(valueStart, i);
        return refuse(values.length > 0 || i < headEnd ? `value[${values.length}]` : 'value', `must be a finite decimal number (got "${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}")`);
      }
      if (values.length >= STATSD_LIMITS.maxValues) return refuse('value', `must pack at most ${STATSD_LIMITS.maxValues} values`);
      values.push(v);
      valueStart = i + 1;
    }
  }
  out.rate = 1;
  out.tags = '';
  out.timestamp = NaN;
  let seenRate = false, seenTags = false, seenTime = false;
  let fieldStart = typeEnd + 1;
  while (fieldStart <= end && typeEnd < end) {
    let fieldEnd = end;
    for (let i = fieldStart; i < end; i++) if (text.charCodeAt(i) === PIPE) { fieldEnd = i; break; }
    const c = text.charCodeAt(fieldStart);
    if (fieldEnd === fieldStart) return refuse('line', 'must not have an empty field ("||" or a trailing "|")');
    if (c === AT) {
      if (seenRate) return refuse('rate', 'must appear at most once');
      seenRate = true;
      const rate = parseValue(text, fieldStart + 1, fieldEnd);
      if (!(rate > 0 && rate <= 1)) return refuse('rate', `must be a number greater than 0 and at most 1 (got "${text.slice(fieldStart + 1, fieldEnd)}")`);
      out.rate = rate;
    } else if (c === HASH) {
      if (seenTags) return refuse('tags', 'must appear at most once');
      seenTags = true;
      const tagProblem = tagsProblem(text, fieldStart + 1, fieldEnd);
      if (tagProblem) return refuse('tags', tagProblem);
      out.tags = text.slice(fieldStart + 1, fieldEnd);
    } else if (c === UPPER_T) {
      if (seenTime) return refuse('timestamp', 'must appear at most once');
      seenTime = true;
      let t = 0;
      const n = fieldEnd - fieldStart - 1;
      for (let i = fieldStart + 1; i < fieldEnd; i++) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) { t = NaN; break; }
        t = t * 10 + d;
      }
      if (!(n > 0 && n <= 15 && t > 0)) return refuse('timestamp', `must be T followed by Unix seconds, a positive integer (got "${text.slice(fieldStart, fieldEnd)}")`);
      out.timestamp = t;
    }
    // `c:` (container id: Plotline names replicas by the host tag) and any later field the Agent added (e:, card:, …) are
    // accepted and ignored.
    fieldStart = fieldEnd + 1;
    if (fieldEnd === end) break;
  }
  return null;
}

/** Calls `visit(start, end, index)` for each non-empty line of `text` (`\n` or `\r\n`), index counting non-empty lines. */
export function forEachLine(text: string, visit: (start: number, end: number, index: number) => void): number {
  let index = 0;
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    const trimmed = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (trimmed > start) visit(start, end, index++);
    start = end + 1;
  }
  return index;
}

/** A line as shown in an error message: at most 80 characters. */
export function shownLine(text: string, start: number, end: number): string {
  const line = text.slice(start, Math.min(end, start + 81)).replace(/\r$/, '');
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

/**
 * Tags of a line as sorted, de-duplicated `k:v` / `k` strings. A tag's key is up to the first ':'; a bare tag has no value.
 * `k:` (an empty value) is the bare tag `k`: one tag, one spelling, so filters and the tables of tags agree on it.
 */
export function splitTags(raw: string): string[] {
  if (raw === '') return [];
  const tags: string[] = [];
  for (const t of raw.split(',')) {
    const tag = t.indexOf(':') === t.length - 1 ? t.slice(0, -1) : t;
    if (tag.length > 0) tags.push(tag);
  }
  tags.sort();
  let w = 0;
  for (let i = 0; i < tags.length; i++) if (i === 0 || tags[i] !== tags[w - 1]) tags[w++] = tags[i]!;
  tags.length = w;
  return tags;
}

/**
 * The one spelling of a tag, shared by every place that shows or sends one (`plotline get`, the studio's tag filter, the
 * SDKs, the series query's filters): `key:value`, or the bare `key` when the value is '' (DogStatsD's tag without a value,
 * as the services API reports it: `{ env: [''] }`).
 */
export function tagText(key: string, value: string): string {
  return value === '' ? key : `${key}:${value}`;
}

/** A tag string split at its first ':' (`http.route:/a:b` → key `http.route`, value `/a:b`); a bare tag has value ''. */
export function parseTag(tag: string): { key: string; value: string } {
  const i = tag.indexOf(':');
  return i < 0 ? { key: tag, value: '' } : { key: tag.slice(0, i), value: tag.slice(i + 1) };
}

/**
 * Tags seen on a metric (key → values, '' for the bare tag) in a line of text: `env k:v1,v2` — a bare tag as its key,
 * the values of a key after it (at most `maxValues`, then how many there are: `k:a,b,c,…(12)`), keys in the given order.
 */
export function tagsSummary(tags: Readonly<Record<string, readonly string[]>>, maxValues = 3): string {
  const parts: string[] = [];
  for (const [key, values] of Object.entries(tags)) {
    const valued = values.filter((v) => v !== '');
    if (valued.length < values.length) parts.push(tagText(key, ''));
    if (valued.length === 0) continue;
    const more = valued.length > maxValues ? `,…(${valued.length})` : '';
    parts.push(tagText(key, valued.slice(0, maxValues).join(',') + more));
  }
  return parts.join(' ');
}

/** Formats one DogStatsD metric line (used by the SDK); tags as `k:v` strings. Sample rate 1 is left out. */
export function formatStatsdLine(name: string, value: number | string, type: StatsdType, tags: readonly string[], rate = 1): string {
  return `${name}:${value}|${type}${rate < 1 ? `|@${rate}` : ''}${tags.length > 0 ? `|#${tags.join(',')}` : ''}`;
}
