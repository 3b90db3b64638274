import { describe, expect, it } from 'vitest';
import { alignColumns } from './get.js';

/** Terminal column where `needle` starts in `line`: each cell of text before it counted as a terminal draws it. */
const columnOf = (line: string, needle: string, cells: (s: string) => number) => cells(line.slice(0, line.indexOf(needle)));
// Widths as a terminal draws these test strings: wide/emoji 2, combining mark and ZWJ 0, others 1.
const terminalCells = (s: string) => [...new Intl.Segmenter().segment(s)]
  .reduce((n, { segment }) => n + (/\p{Extended_Pictographic}|[\u3000-\u9fff\uff01-\uff60]/u.test(segment) ? 2 : 1), 0);

describe('alignColumns', () => {
  it('lines up the next column whatever terminal width the names take', () => {
    const names = ['hs-🚀-svc', '服务-api', 'cafe\u0301', '👩‍💻-dev', 'plain-name'];
    const text = alignColumns([['service', 'status'], ...names.map((n) => [n, 'up'])]);
    const lines = text.split('\n');
    const at = columnOf(lines[0]!, 'status', terminalCells);
    for (const line of lines.slice(1)) expect(columnOf(line, 'up', terminalCells), line).toBe(at);
    expect(at).toBe('plain-name'.length + 2);
  });

  it('pads a painted cell by its width, not by its colour codes', () => {
    const text = alignColumns([['ab', 'b'], ['🚀', 'x']], (c, _r, col) => (col === 0 ? `\x1b[1m${c}\x1b[0m` : c));
    expect(text.split('\n')[1]).toBe('\x1b[1m🚀\x1b[0m  x');
  });
});
