import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool, spoolDirectory } from './spool.js';

const dir = () => mkdtempSync(join(tmpdir(), 'plotline-spool-unit-'));
const body = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const alloc = (n: number) => new Uint8Array(n);

/** Reads and acknowledges every record of `s`, returning first bytes and point counts. */
function drain(s: Spool): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let head = s.readHead(alloc); head !== null; head = s.readHead(alloc)) {
    if ('lostPoints' in head) {
      out.push([-1, head.lostPoints]);
      break;
    }
    out.push([head.body[0]!, head.points]);
    s.ackHead();
  }
  return out;
}

describe('Spool', () => {
  it('gives records back in order, counts points, and empties its file when all are acknowledged', () => {
    const s = Spool.create(dir());
    s.append(body(100, 1), 10);
    s.append(body(50, 2), 5);
    expect([s.points, s.unackedBytes]).toEqual([15, 174]);
    expect(drain(s)).toEqual([[1, 10], [2, 5]]);
    expect(s.empty).toBe(true);
    expect(statSync(s.path).size).toBe(16);
    s.close();
  });

  it('an orphan (its process gone, or a file of this pid that is not ours) is claimed once, from its first unacknowledged record', () => {
    const d = dir();
    const s = Spool.create(d);
    for (let i = 1; i <= 3; i++) s.append(body(10, i), i);
    s.readHead(alloc);
    s.ackHead();
    s.close(false); // as if the process had exited: the file stays, it is not ours any more
    const [claimed, ...more] = Spool.claimOrphans(d);
    expect(more).toEqual([]);
    expect(Spool.claimOrphans(d)).toEqual([]);
    expect(claimed!.points).toBe(5);
    expect(drain(claimed!)).toEqual([[2, 2], [3, 3]]);
    claimed!.close();
    expect(readdirSync(d)).toEqual([]);
  });

  it('ignores a record cut short by a kill, and reports a damaged one as lost points', () => {
    const d = dir();
    const s = Spool.create(d);
    s.append(body(10, 1), 1);
    s.append(body(10, 2), 2);
    s.close(false);
    const [name] = readdirSync(d);
    truncateSync(join(d, name!), 16 + 22 + 15); // the second record torn
    const [torn] = Spool.claimOrphans(d);
    expect(drain(torn!)).toEqual([[1, 1]]);
    torn!.close();

    const s2 = Spool.create(d);
    s2.append(body(10, 1), 7);
    s2.close(false);
    const file = join(d, readdirSync(d)[0]!);
    const bytes = readFileSync(file);
    bytes[16 + 12] = 9; // body changed after its CRC was written
    writeFileSync(file, bytes);
    const [damaged] = Spool.claimOrphans(d);
    expect(drain(damaged!)).toEqual([[-1, 7]]);
    damaged!.close();
  });

  it('keeps one directory per server and token, never the token itself', () => {
    const a = spoolDirectory('/b', 'http://h:1/', 'secret');
    expect(a).toBe(spoolDirectory('/b', 'http://h:1', 'secret'));
    expect(a).not.toBe(spoolDirectory('/b', 'http://h:1', 'other'));
    expect(a).not.toContain('secret');
    expect(a).toMatch(/^\/b\/[0-9a-f]{16}$/);
  });
});
