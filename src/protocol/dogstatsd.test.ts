import { describe, expect, it } from 'vitest';
import { forEachLine, parseStatsdLine, parseTag, splitTags, StatsdLine, tagsSummary, tagText, type StatsdRefusal } from './dogstatsd.js';

function parse(line: string): StatsdLine | StatsdRefusal {
  const out = new StatsdLine();
  return parseStatsdLine(line, 0, line.length, out) ?? out;
}

function ok(line: string): StatsdLine {
  const r = parse(line);
  if (!(r instanceof StatsdLine)) throw new Error(`refused ${line}: ${r.field}: ${r.rule}`);
  return r;
}

function refusal(line: string): StatsdRefusal {
  const r = parse(line);
  if (r instanceof StatsdLine) throw new Error(`accepted ${line}`);
  return r;
}

describe('DogStatsD line parser', () => {
  it('reads every type into its kind', () => {
    expect(ok('a:1|c')).toMatchObject({ what: 'metric', name: 'a', type: 'c', kind: 'counter', values: [1], rate: 1, tags: '' });
    expect(ok('a:-2.5|g')).toMatchObject({ type: 'g', kind: 'gauge', values: [-2.5] });
    expect(ok('a:3|h')).toMatchObject({ type: 'h', kind: 'distribution' });
    expect(ok('a:3|ms')).toMatchObject({ type: 'ms', kind: 'distribution' });
    expect(ok('a:1e-3|d')).toMatchObject({ type: 'd', kind: 'distribution', values: [0.001] });
    expect(ok('users.uniques:user-42|s')).toMatchObject({ type: 's', kind: 'set', member: 'user-42', values: [] });
  });

  it('reads sample rate, tags (k:v and bare), timestamps, packed values', () => {
    const l = ok('api.latency:12:15.5:20|h|@0.25|#service:checkout,host:a,canary|T1700000000');
    expect(l).toMatchObject({ name: 'api.latency', values: [12, 15.5, 20], rate: 0.25, tags: 'service:checkout,host:a,canary', timestamp: 1700000000 });
    expect(ok('a:1|c|#x:1|@0.5')).toMatchObject({ rate: 0.5, tags: 'x:1' }); // any order
    expect(Number.isNaN(ok('a:1|c').timestamp)).toBe(true);
  });

  it('accepts and ignores container ids and later fields', () => {
    expect(ok('a:1|c|#k:v|c:83c0a99c0a54c0c187f461c7980e9b57f3f6a8b0c918c8d93df19a9de6f3fe1d')).toMatchObject({ tags: 'k:v', values: [1] });
    expect(ok('a:1|c|e:it-false,cn-nginx,pu-75a2b6d5|card:high')).toMatchObject({ values: [1] });
  });

  it('recognises events and service checks', () => {
    expect(ok('_e{5,4}:title|text|#env:prod').what).toBe('event');
    expect(ok('_sc|my.check|0|#env:prod|m:all good').what).toBe('service_check');
  });

  it('splits several lines per datagram (\\n and \\r\\n, empty lines skipped)', () => {
    const text = 'a:1|c\r\n\nb:2|g\nc:3|h\n';
    const names: string[] = [];
    const line = new StatsdLine();
    const n = forEachLine(text, (s, e) => {
      expect(parseStatsdLine(text, s, e, line)).toBeNull();
      names.push(line.name);
    });
    expect(n).toBe(3);
    expect(names).toEqual(['a', 'b', 'c']);
  });

  it('reads every decimal exactly as Number() does (the fast path for short decimals included)', () => {
    let seed = 9;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cases = ['0', '-0', '.5', '5.', '007', '1e3', '-2.5E-3', '123456789012345', '1234567890123456789', '0.1', '9007199254740993'];
    for (let k = 0; k < 100_000; k++) {
      const d = 1 + Math.floor(rand() * 18);
      const f = Math.floor(rand() * (d + 1));
      let digits = '';
      for (let j = 0; j < d; j++) digits += Math.floor(rand() * 10);
      cases.push((rand() < 0.3 ? '-' : '') + (f > 0 ? `${digits.slice(0, d - f)}.${digits.slice(d - f)}` : digits));
    }
    for (const c of cases) expect(Object.is(ok(`a:${c}|g`).values[0], Number(c)), c).toBe(true);
  });

  it('sorts and de-duplicates tags', () => {
    expect(splitTags('b:2,a:1,,b:2,c')).toEqual(['a:1', 'b:2', 'c']);
  });

  it('keeps a bare tag bare: one spelling (`env`, also for `env:`), shown as its key, never `env:env` or `env:`', () => {
    expect(splitTags('env,k:v,canary:,:,url:/a:b,x::')).toEqual(['canary', 'env', 'k:v', 'url:/a:b', 'x::']);
    expect(splitTags('env:,env')).toEqual(['env']);
    expect(parseTag('env')).toEqual({ key: 'env', value: '' });
    expect(parseTag('url:/a:b')).toEqual({ key: 'url', value: '/a:b' });
    expect(tagText('env', '')).toBe('env');
    expect(tagText('url', '/a:b')).toBe('url:/a:b');
    for (const t of splitTags('env,k:v,url:/a:b,x::')) expect(tagText(parseTag(t).key, parseTag(t).value)).toBe(t);
    expect(tagsSummary({ env: [''], k: ['v'] })).toBe('env k:v');
    expect(tagsSummary({ env: ['', 'prod'], region: ['a', 'b', 'c', 'd'] })).toBe('env env:prod region:a,b,c,…(4)');
    expect(tagsSummary({})).toBe('');
  });

  it('refuses each broken field by name and rule', () => {
    expect(refusal('a:1|x')).toEqual({ field: 'type', rule: 'must be one of c, g, h, ms, d, s (got "x")' });
    expect(refusal('a:1')).toMatchObject({ field: 'type', rule: expect.stringContaining('missing') });
    expect(refusal('a|c')).toMatchObject({ field: 'value', rule: expect.stringContaining('missing') });
    expect(refusal(':1|c')).toMatchObject({ field: 'name', rule: 'must not be empty' });
    expect(refusal('a b:1|c')).toMatchObject({ field: 'name', rule: expect.stringContaining('whitespace') });
    expect(refusal('a:x|c')).toMatchObject({ field: 'value', rule: expect.stringContaining('finite decimal number') });
    expect(refusal('a:1:|h')).toMatchObject({ field: 'value[1]', rule: expect.stringContaining('finite decimal number') });
    expect(refusal('a:Infinity|g')).toMatchObject({ field: 'value' });
    expect(refusal('a:0x10|g')).toMatchObject({ field: 'value' });
    expect(refusal('a:1|c|@0')).toMatchObject({ field: 'rate', rule: expect.stringContaining('greater than 0 and at most 1') });
    expect(refusal('a:1|c|@1.5')).toMatchObject({ field: 'rate' });
    expect(refusal('a:1|c|@0.5|@0.5')).toMatchObject({ field: 'rate', rule: 'must appear at most once' });
    expect(refusal('a:1|c|Tsoon')).toMatchObject({ field: 'timestamp', rule: expect.stringContaining('Unix seconds') });
    expect(refusal('a:1|c|')).toMatchObject({ field: 'line', rule: expect.stringContaining('empty field') });
    expect(refusal('a:1|c|#k:\u0001')).toMatchObject({ field: 'tags', rule: expect.stringContaining('control') });
    expect(refusal(`a:1|c|#${'x'.repeat(201)}`)).toMatchObject({ field: 'tags', rule: expect.stringContaining('at most 200') });
    expect(refusal('s:|s')).toMatchObject({ field: 'value', rule: expect.stringContaining('set member') });
    expect(refusal('_e{5,4title')).toMatchObject({ field: 'event' });
  });

  it('survives 10,000+ generated malformed lines: no crash, each refusal names a field and a rule', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const good = ['api.latency:12.5|ms|@0.5|#service:a,host:b|T1700000000', 'hits:1|c', 'temp:-3|g|#k:v', 'u:x|s', 'h:1:2:3|h'];
    const alphabet = ':|#@,.T-+e\n\r\t \u0000ÿ€0123456789abcxyz_{}';
    const mutate = (s: string): string => {
      const op = Math.floor(rand() * 5);
      const at = Math.floor(rand() * (s.length + 1));
      const ch = alphabet[Math.floor(rand() * alphabet.length)]!;
      if (op === 0) return s.slice(0, at) + ch + s.slice(at);
      if (op === 1) return s.slice(0, at) + s.slice(at + 1);
      if (op === 2) return s.slice(0, at) + ch + s.slice(at + 1);
      if (op === 3) return s.slice(0, at);
      return s.slice(at) + s.slice(0, at);
    };
    const fields = new Set(['line', 'name', 'value', 'type', 'rate', 'tags', 'timestamp', 'event']);
    let refused = 0, accepted = 0;
    const out = new StatsdLine();
    for (let i = 0; refused < 10_000; i++) {
      let s = good[i % good.length]!;
      const n = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) s = mutate(s);
      forEachLine(s, (start, end) => {
        const r = parseStatsdLine(s, start, end, out);
        if (r === null) {
          accepted++;
          if (out.what === 'metric') {
            expect(out.name.length).toBeGreaterThan(0);
            for (const v of out.values) expect(Number.isFinite(v)).toBe(true);
            expect(out.rate > 0 && out.rate <= 1).toBe(true);
          }
          return;
        }
        refused++;
        expect(fields.has(r.field.replace(/\[\d+\]$/, ''))).toBe(true);
        expect(r.rule.length).toBeGreaterThan(5);
      });
    }
    expect(refused).toBeGreaterThanOrEqual(10_000);
    expect(accepted).toBeGreaterThan(0);
  });
});
