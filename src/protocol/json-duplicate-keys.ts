import { ValidationError } from './validate.js';

/**
 * JSON.parse keeps the last of a key given twice in one object (`{"id":"A","id":"B"}` reads as `{"id":"B"}`): a body
 * whose sender meant something else would be stored as something it did not say. RFC 8259 §4 leaves such objects'
 * meaning to the reader ("names within an object SHOULD be unique"); Plotline refuses them by name instead.
 *
 * The check reads the UTF-8 bytes of a document JSON.parse already accepted, once, looking for the bytes that matter
 * (`"`, `{`, `}`): nearby in a plain loop, far away with `indexOf` (memchr speed on a Node Buffer), so a run of numbers
 * (points' x and y) costs almost nothing. `"`, `\`, `{`, `}` and `:` never occur inside a multi-byte UTF-8
 * sequence, so bytes are as good as characters here.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

const fromUtf8 = new TextDecoder();

/** The rule, as errors state it. */
export const DUPLICATE_KEY_RULE = 'a key may appear once in an object';

/** Past this many keys an object's keys are looked up in a Set rather than in its list. */
const LIST_MAX = 16;

/** How far the byte loop looks before handing a search to `indexOf` (a native call costs as much as ~64 bytes read in JS). */
const NEAR = 64;

/** Index of the `"` that ends the string opening at `start` (a `"`), in valid JSON. */
function stringEnd(bytes: Uint8Array, start: number): number {
  let escaped = false;
  let end = start + 1;
  for (let b = bytes[end]; b !== QUOTE || escaped; b = bytes[++end]) escaped = !escaped && b === BACKSLASH;
  return end;
}

/** True when the string ending at `end` is followed (after whitespace) by `:`, so is an object's key. */
function isKey(bytes: Uint8Array, end: number): boolean {
  let k = end + 1;
  while (bytes[k] === 0x20 || bytes[k] === 0x0a || bytes[k] === 0x0d || bytes[k] === 0x09) k++;
  return bytes[k] === COLON;
}

/** The key whose JSON string runs from `start` to `end` (both `"`), decoded as JSON.parse reads it. */
function keyText(bytes: Uint8Array, start: number, end: number): string {
  const raw = fromUtf8.decode(bytes.subarray(start, end + 1));
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/**
 * Byte offset of the opening `"` of the first key that repeats a key of the same object in `bytes` (UTF-8 JSON that
 * JSON.parse accepted), or -1 when every object's keys are distinct. One pass; allocates only for objects of more than
 * 16 keys or with an escaped key.
 */
export function duplicateKeyOffset(bytes: Uint8Array): number {
  const n = bytes.length;
  const at = (i: number) => (i < 0 ? n : i);
  // The keys of the open objects, on one stack: an object's keys are `keys[base[depth]]` up to `top`, as byte ranges (start
  // and end quote) compared byte for byte (UTF-8 of equal strings is equal); as decoded strings in a Set once the object
  // has more than 16 keys or one written with an escape (`"\u0069d"` is `"id"`). Nothing is allocated per object.
  const keys: number[] = [];
  let top = 0;
  const base: number[] = [];
  const sets: Array<Set<string> | null> = [];
  let depth = -1;
  // Where the next of each byte that matters is, found by indexOf when the byte loop had to look far (a run of numbers),
  // kept until passed so that each indexOf reads a new stretch: the whole search stays one pass.
  let nextQuote = -1, nextOpen = -1, nextClose = -1;
  for (let i = 0; ;) {
    let p = i;
    const near = Math.min(n, i + NEAR);
    for (let b = bytes[p]; p < near && b !== QUOTE && b !== OPEN && b !== CLOSE; b = bytes[++p]);
    if (p === near) {
      if (p >= n) return -1;
      if (nextQuote < p) nextQuote = at(bytes.indexOf(QUOTE, p));
      if (nextOpen < p) nextOpen = at(bytes.indexOf(OPEN, p));
      if (nextClose < p) nextClose = at(bytes.indexOf(CLOSE, p));
      p = Math.min(nextQuote, nextOpen, nextClose);
      if (p >= n) return -1;
    }
    const c = bytes[p];
    i = p + 1;
    if (c === OPEN) {
      depth++;
      base[depth] = top;
      sets[depth] = null;
    } else if (c === CLOSE) {
      top = base[depth]!;
      depth--;
    } else {
      let escapes = false;
      let end = p + 1;
      for (let b = bytes[end]; b !== QUOTE; b = bytes[++end]) {
        if (b === BACKSLASH) {
          escapes = true;
          end++; // the escaped byte (a `"` or `\\` among them) is no end
        }
      }
      i = end + 1;
      if (!isKey(bytes, end)) continue;
      let set = sets[depth];
      if (!set) {
        const from = base[depth]!;
        for (let k = from; k < top; k += 2) if (sameBytes(bytes, keys[k]!, keys[k + 1]!, p, end)) return p;
        keys[top++] = p;
        keys[top++] = end;
        if (top - from <= 2 * LIST_MAX && !escapes) continue;
        // An escape, or many keys: from here on this object's keys are compared as strings.
        set = sets[depth] = new Set();
        for (let k = from; k < top - 2; k += 2) set.add(keyText(bytes, keys[k]!, keys[k + 1]!));
      }
      const key = keyText(bytes, p, end);
      if (set.has(key)) return p;
      set.add(key);
    }
  }
}

/** True when the bytes from `a` to `aEnd` equal those from `b` to `bEnd`. */
function sameBytes(bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = 1; a + i < aEnd; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** A container being read: an array's current index, or an object's current key (null before the first). */
type Frame = { array: true; index: number } | { array: false; key: string | null };

/**
 * The path, in validation's notation (`executions[0].id`), of the key whose opening `"` is at byte `offset` of valid
 * JSON `bytes`. Reads every byte up to `offset`: only called once a duplicate was found.
 */
export function keyPathAt(bytes: Uint8Array, offset: number): string {
  const stack: Frame[] = [];
  for (let i = 0; i < offset; i++) {
    const c = bytes[i];
    const top = stack[stack.length - 1];
    if (c === OPEN || c === OPEN_ARRAY) stack.push(c === OPEN_ARRAY ? { array: true, index: 0 } : { array: false, key: null });
    else if (c === CLOSE || c === CLOSE_ARRAY) stack.pop();
    else if (c === COMMA && top?.array) top.index++;
    else if (c === QUOTE) {
      const end = stringEnd(bytes, i);
      if (top && !top.array && isKey(bytes, end)) top.key = keyText(bytes, i, end);
      i = end;
    }
  }
  let path = '';
  stack.forEach((f, j) => {
    if (f.array) path += `[${f.index}]`;
    else {
      const name = j === stack.length - 1 ? keyText(bytes, offset, stringEnd(bytes, offset)) : f.key!;
      path = path ? `${path}.${name}` : name;
    }
  });
  return path;
}

/**
 * Throws a ValidationError (400) naming the path of the first key that repeats a key of its object, as
 * `executions[0].id: duplicate key "id" (a key may appear once in an object)`. `bytes` is UTF-8 JSON that JSON.parse
 * accepted; `prefix` is prepended to the path (`header.` for a binary batch's header, say).
 */
export function refuseDuplicateKeys(bytes: Uint8Array, prefix = ''): void {
  const offset = duplicateKeyOffset(bytes);
  if (offset < 0) return;
  const path = keyPathAt(bytes, offset);
  const key = keyText(bytes, offset, stringEnd(bytes, offset));
  throw new ValidationError(prefix + path, `duplicate key ${JSON.stringify(key)} (${DUPLICATE_KEY_RULE})`);
}
