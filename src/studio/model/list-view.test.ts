import { describe, expect, it } from 'vitest';
import { decodeListView, EMPTY_VIEW, encodeListView, filterChips, filterParams, firstPage, runsCsvUrl, runsWithLabelPath } from './list-view.js';

describe('list view in the URL', () => {
  it('links a label to the runs table filtered by it, readably, and the link reads back as that filter', () => {
    expect(runsWithLabelPath('model', 'r50')).toBe('/?label=model:r50');
    const odd = runsWithLabelPath('a&b', 'x y:z/1');
    expect(decodeListView(odd.slice(1)).labels).toEqual([{ key: 'a&b', value: 'x y:z/1' }]);
    expect(decodeListView(runsWithLabelPath('flag', '').slice(1)).labels).toEqual([{ key: 'flag', value: '' }]);
  });

  it('round-trips filters, sort, columns and page', () => {
    const view = {
      ...EMPTY_VIEW,
      q: 'train',
      status: ['failed' as const, 'succeeded' as const],
      labels: [{ key: 'model', value: 'resnet50' }, { key: 'lr', value: '0.01' }],
      where: [{ path: 'acc', op: '>=' as const, value: 0.9 }],
      sort: { field: 'summary' as const, path: 'timing.inference', desc: true },
      columns: ['label:model' as const, 'summary:acc' as const],
      after: 'abc',
      page: 3,
    };
    const search = encodeListView(view);
    expect(search).toContain('sort=-summary.timing.inference');
    expect(search).toContain('label=model:resnet50');
    expect(decodeListView(search)).toEqual(view);
    expect(encodeListView(EMPTY_VIEW)).toBe('');
    expect(encodeListView(firstPage(view))).not.toContain('after');
  });

  it('leaves out what does not parse', () => {
    const v = decodeListView('?sort=bogus&where=summary.acc~3&label=novalue&status=nope,failed&page=x');
    expect(v).toEqual({ ...EMPTY_VIEW, status: ['failed'] });
  });

  it('offers every filter as a chip that removes it', () => {
    const v = decodeListView('?q=res&status=failed&label=model:r50&where=summary.acc>0.5');
    const chips = filterChips(v);
    expect(chips.map((c) => c.text)).toEqual(['name contains “res”', 'status: failed', 'model: r50', 'acc > 0.5']);
    expect(chips[2]!.without(v).labels).toEqual([]);
    expect(filterParams(chips[3]!.without(v)).getAll('where')).toEqual([]);
  });
});

describe('runs CSV link', () => {
  it('carries the filters, the sort and the shown columns, no paging', () => {
    const v = decodeListView('?q=train&status=failed&label=model:r50&where=summary.acc>=0.9&sort=-summary.acc&col=label:model&col=summary:acc&after=abc&page=3');
    expect(runsCsvUrl(v)).toBe('/api/executions.csv?q=train&status=failed&label=model%3Ar50&where=summary.acc%3E%3D0.9&sort=-summary.acc&col=label%3Amodel&col=summary%3Aacc');
    expect(runsCsvUrl(decodeListView(''))).toBe('/api/executions.csv');
  });
});
