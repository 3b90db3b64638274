import { LIMITS } from './limits.js';
import { ValidationError, xBeyondLimit } from './validate.js';

/**
 * The one x rule JSON.parse hides: a literal just beyond 2^53 (9007199254740993, or 9007199254740992.5) reads as the
 * double 2^53, which is within the limit, so validation alone would store it as 2^53 — a different x than was sent.
 * Such a literal is the only kind that can slip through: any literal further out reads as a double above 2^53, which
 * validation refuses by name.
 */

const LIMIT = LIMITS.maxAbsX;
const LIMIT_DIGITS = String(LIMIT);

/**
 * Throws a ValidationError naming the path of the first x in an ingest batch's JSON `text` whose literal lies beyond
 * ±2^53 but reads as ±2^53 (see above). `doc` is `JSON.parse(text)`: the text is only read again when some x in it is
 * exactly ±2^53, so a batch without one costs one pass over its x values.
 */
export function refuseXRoundedToLimit(doc: unknown, text: () => string): void {
  if (!hasXAtLimit(doc)) return;
  const beyond = xLiteralBeyondLimit(text());
  if (beyond) throw new ValidationError(beyond.path, xBeyondLimit(`${beyond.literal}, which a double reads as ${Number(beyond.literal)}`));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const atLimit = (v: unknown) => v === LIMIT || v === -LIMIT;

/** True when an x of the batch's shape (points' x, rewind.x, a summary op's x) is exactly ±2^53; other shapes are validation's. */
function hasXAtLimit(doc: unknown): boolean {
  if (!isObject(doc) || !Array.isArray(doc.executions)) return false;
  for (const u of doc.executions) {
    if (!isObject(u)) continue;
    if (isObject(u.rewind) && atLimit(u.rewind.x)) return true;
    for (const p of Array.isArray(u.points) ? u.points : []) {
      if (isObject(p) && Array.isArray(p.x) && p.x.some(atLimit)) return true;
    }
    for (const s of Array.isArray(u.summary) ? u.summary : []) {
      if (isObject(s) && atLimit(s.x)) return true;
    }
  }
  return false;
}

/** A container being read: an array's next index, or an object's last key (null while a key is expected). */
type Frame = { array: true; index: number } | { array: false; key: string | null };

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;

/**
 * The first number literal of valid JSON `text` that stands for an x (an item of an array under key `x`, or the value of
 * key `x`) and lies beyond ±2^53 while reading as ±2^53, with its path in validation's notation
 * (`executions[0].points[1].x[2]`); null when there is none. Only call it on text JSON.parse accepted.
 */
export function xLiteralBeyondLimit(text: string): { path: string; literal: string } | null {
  const stack: Frame[] = [];
  const path = (): string => stack.reduce((p, f, i) => {
    if (f.array) return `${p}[${f.index}]`;
    return i === 0 ? f.key! : `${p}.${f.key}`;
  }, '');
  /** True when the value being read is an x: key `x`, or an item of an array under key `x`. */
  const isX = (): boolean => {
    const top = stack[stack.length - 1];
    if (!top) return false;
    if (!top.array) return top.key === 'x';
    const parent = stack[stack.length - 2];
    return parent !== undefined && !parent.array && parent.key === 'x';
  };
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (c === '{' || c === '[') {
      stack.push(c === '[' ? { array: true, index: 0 } : { array: false, key: null });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      if (top?.array) top.index++;
      else if (top) top.key = null;
      i++;
    } else if (c === '"') {
      STRING.lastIndex = i;
      const s = STRING.exec(text)![0];
      if (top && !top.array && top.key === null) top.key = JSON.parse(s) as string;
      i += s.length;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const literal = NUMBER.exec(text)![0];
      if (atLimit(Math.abs(Number(literal))) && isX() && beyondLimit(literal)) return { path: path(), literal };
      i += literal.length;
    } else {
      i++; // whitespace, ':', true, false, null
    }
  }
  return null;
}

/** True when the decimal `literal`, which reads as ±2^53, is beyond 2^53 in magnitude (exact decimal comparison). */
function beyondLimit(literal: string): boolean {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)!;
  const digits = (m[1]! + (m[2] ?? '')).replace(/^0+/, '');
  // value = digits × 10^exponent
  const exponent = Number(m[3] ?? 0) - (m[2]?.length ?? 0);
  const intLength = digits.length + exponent;
  const whole = intLength <= 0 ? '0' : intLength >= digits.length ? digits + '0'.repeat(intLength - digits.length) : digits.slice(0, intLength);
  const fractionNonZero = intLength < digits.length && /[1-9]/.test(digits.slice(Math.max(0, intLength)));
  const wholeDigits = whole.replace(/^0+/, '') || '0';
  if (wholeDigits.length !== LIMIT_DIGITS.length) return wholeDigits.length > LIMIT_DIGITS.length;
  return wholeDigits > LIMIT_DIGITS || (wholeDigits === LIMIT_DIGITS && fractionNonZero);
}
