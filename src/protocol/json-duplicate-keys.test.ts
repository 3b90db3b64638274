import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/helpers/rng.js';
import { duplicateKeyOffset, keyPathAt, refuseDuplicateKeys } from './json-duplicate-keys.js';

const utf8 = new TextEncoder();
const bytes = (text: string) => utf8.encode(text);

function refusal(text: string): string | null {
  try {
    refuseDuplicateKeys(bytes(text));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('duplicate JSON keys', () => {
  it('names the path and the rule of a key given twice (JSON.parse would keep the last)', () => {
    expect(refusal('{"executions":[{"id":"A","id":"B","points":[]}]}'))
      .toBe('executions[0].id: duplicate key "id" (a key may appear once in an object)');
    expect(refusal('{"a":1,"a":2}')).toBe('a: duplicate key "a" (a key may appear once in an object)');
    expect(refusal('[1,{"x":[{"k":1},{"k":1,"q":{"z":0,"z":0}}]}]')).toBe('[1].x[1].q.z: duplicate key "z" (a key may appear once in an object)');
  });

  it('reads keys as JSON.parse does: escapes, non-ASCII, whitespace before the colon', () => {
    expect(refusal('{"id":"A", "\\u0069d" :"B"}')).toMatch(/^id: duplicate key "id"/);
    expect(refusal('{"é":1,"\\u00e9":2}')).toMatch(/^é: duplicate key "é"/);
    expect(refusal('{"a\\"b":1,"a\\"b"\n:\t2}')).toMatch(/^a"b: duplicate key "a\\"b"/);
    expect(refusal('{"a\\\\":1,"a\\\\" :2}')).toBe('a\\: duplicate key "a\\\\" (a key may appear once in an object)');
  });

  it('accepts what is not a duplicate: same key in sibling or nested objects, keys as values, braces and quotes in strings', () => {
    for (const ok of [
      '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',
      '{"a":"a","b":"a"}',
      '{"a":"{\\"a\\":1,","b":"}\\\\","c":"\\\\\\"a\\":"}',
      '{"a":{"x":1},"b":{"x":1}}',
      '{"k":["a","a"],"l":["a" , "a"]}',
      '{"ab":1,"a":1,"b":1,"":1}',
      '"a"', '[]', '{}', '1',
    ]) expect(refusal(ok), ok).toBeNull();
  });

  it('finds duplicates among many keys (an object past 16 keys is looked up in a set)', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(refusal(`{${keys.join(',')}}`)).toBeNull();
    expect(refusal(`{"o":{${keys.join(',')},"k3":0}}`)).toMatch(/^o\.k3: duplicate key "k3"/);
    // The set of an object is dropped when the next object at that depth opens.
    expect(refusal(`[{${keys.join(',')}},{"k3":1,"k4":1}]`)).toBeNull();
  });

  it('agrees with a reference on random documents (seeded)', () => {
    const seed = 20261202;
    const rand = mulberry32(seed);
    const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)]!;
    const ws = () => pick(['', '', ' ', '\n  ']);
    const keyText = (k: string) => pick([JSON.stringify(k), JSON.stringify(k).replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)]);
    /** Writes a random value; returns whether it holds a duplicate key. */
    const value = (depth: number): [string, boolean] => {
      const r = rand();
      if (depth > 3 || r < 0.3) return [pick(['1', '-0.5e3', 'true', 'null', '"{\\"k\\":"', '"}"', '"x\\\\"']), false];
      if (r < 0.55) {
        const items = Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
        return [`[${items.map((i) => ws() + i[0]).join(',')}]`, items.some((i) => i[1])];
      }
      const names = Array.from({ length: Math.floor(rand() * 5) }, () => pick(['a', 'b', 'id', 'x', 'é', 'a"']));
      let dup = new Set(names).size !== names.length;
      const members = names.map((k) => {
        const [v, d] = value(depth + 1);
        dup ||= d;
        return `${ws()}${keyText(k)}${ws()}:${ws()}${v}`;
      });
      return [`{${members.join(',')}}`, dup];
    };
    for (let i = 0; i < 2_000; i++) {
      const [text, dup] = value(0);
      JSON.parse(text);
      expect(duplicateKeyOffset(bytes(text)) >= 0, `seed ${seed}, case ${i}: ${text}`).toBe(dup);
    }
  });

  it('names the path of a key at any depth', () => {
    const text = '{"a":[{"b":{"c":[0,{"d":1,"d":2}]}}]}';
    expect(keyPathAt(bytes(text), duplicateKeyOffset(bytes(text)))).toBe('a[0].b.c[1].d');
  });
});
