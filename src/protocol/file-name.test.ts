import { describe, expect, it } from 'vitest';
import { attachmentDisposition, fileName, fileNamePart, MAX_PART, panelFileName, runsFileName } from './file-name.js';

describe('file names of downloads', () => {
  it('names a panel file after the execution and the panel', () => {
    expect(panelFileName({ id: 'e-1', name: 'options' }, 'training', ['loss', 'acc'], 'csv')).toBe('options-training.csv');
    expect(panelFileName({ id: 'e-1', name: 'resnet 50 / lr=0.1' }, 'val: loss?', ['loss'], 'json')).toBe('resnet_50_lr=0.1-val_loss.json');
    expect(panelFileName({ id: 'e-1', name: 'Übung 損失' }, 'Summary over time', [], 'png')).toBe('Übung_損失-Summary_over_time.png');
  });

  it('falls back to the id for a name with nothing safe in it, and to the keys for a blank panel name', () => {
    expect(panelFileName({ id: 'run-7f3a', name: '///' }, 'g', ['a'], 'csv')).toBe('run-7f3a-g.csv');
    expect(panelFileName({ id: 'run-7f3a', name: '' }, ' ', ['a', 'b'], 'csv')).toBe('run-7f3a-a+b.csv');
    expect(panelFileName({ id: '???', name: '' }, '', [], 'csv')).toBe('execution.csv');
  });

  it('takes out what some file system refuses or treats specially', () => {
    for (const bad of ['a/b', 'a\\b', 'a:b', 'a*b', 'a?b', 'a"b', 'a<b>', 'a|b', 'a\u0000b', 'a\nb', 'a\tb', 'a\u202eb', 'a\u200bb', 'a  b']) {
      expect(fileNamePart(bad), JSON.stringify(bad)).toBe('a_b');
    }
    // No hidden file, no trailing dot (Windows drops it), no name of only separators.
    expect(fileNamePart('..env')).toBe('env');
    expect(fileNamePart('loss.')).toBe('loss');
    expect(fileNamePart(' - _ . ')).toBe('');
    expect(fileName(['CON'], 'csv')).toBe('_CON.csv');
    expect(fileName(['nul'], 'json')).toBe('_nul.json');
    expect(fileName(['console'], 'csv')).toBe('console.csv');
    // A name of decomposed accents is stored composed (macOS and Linux would otherwise show two different names).
    expect(fileNamePart('cafe\u0301')).toBe('caf\u00e9');
  });

  it('cuts a long part at whole code points', () => {
    const long = fileNamePart('x'.repeat(59) + '😀'.repeat(10));
    expect(Array.from(long)).toHaveLength(MAX_PART);
    expect(long.endsWith('😀')).toBe(true);
    const name = panelFileName({ id: 'e', name: 'n'.repeat(500) }, 'p'.repeat(500), [], 'csv');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
  });

  it('names the runs CSV after its filters', () => {
    expect(runsFileName({})).toBe('runs.csv');
    expect(runsFileName({ q: '  ', status: [], labels: [], where: [] })).toBe('runs.csv');
    expect(runsFileName({
      q: 'resnet', status: ['failed'], labels: [{ key: 'model', value: 'r50' }, { key: 'flag', value: '' }],
      where: [{ path: 'acc', op: '>=', value: 0.9 }, { path: 'timing.inference', op: '<', value: 1e-3 }],
    })).toBe('runs-resnet-failed-model_r50-flag-acc_ge_0.9-timing.inference_lt_0.001.csv');
  });

  it('says the name in Content-Disposition, exactly in UTF-8 and in ASCII for old clients', () => {
    expect(attachmentDisposition('options-training.csv')).toBe('attachment; filename="options-training.csv"');
    expect(attachmentDisposition('café-損失.csv')).toBe(`attachment; filename="cafe-_.csv"; filename*=UTF-8''caf%C3%A9-%E6%90%8D%E5%A4%B1.csv`);
    expect(attachmentDisposition("it's (1).csv")).toBe(`attachment; filename="it's (1).csv"`);
    expect(attachmentDisposition("ü's (1).csv")).toBe(`attachment; filename="u's (1).csv"; filename*=UTF-8''%C3%BC%27s%20%281%29.csv`);
  });
});
