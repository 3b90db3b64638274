import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

/** Compare: select runs in the table, overlay them, follow the live one, read differences from a baseline. */

let server: StudioServer;
const training = { name: 'training', units: 'epoch' };
const evaluation = { name: 'evaluation', units: 'epoch' };
const epochs = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

/** A run with loss (group training) and acc (group evaluation) over `n` epochs: loss = scale / epoch, acc = 100 − loss·10. */
function run(id: string, name: string, scale: number, n: number, ended: boolean, labels: Record<string, string> = {}) {
  const x = epochs(n);
  return {
    id,
    start: { name, labels, startedAt: Date.now() - 60_000 },
    definitions: [{ key: 'loss', group: training }, { key: 'acc', group: evaluation }],
    points: [{ key: 'loss', x, y: x.map((e) => scale / e) }, { key: 'acc', x, y: x.map((e) => 100 - (scale / e) * 10) }],
    ...(ended && { end: { status: 'succeeded' } }),
  };
}

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  await ingest(server.url, {
    executions: [
      run('cmp-a', 'alpha', 1, 10, true, { lr: '0.1' }),
      run('cmp-b', 'beta', 1.2, 10, true, { lr: '0.01' }),
      run('cmp-c', 'gamma-live', 0.9, 5, false, { lr: '0.001' }),
      run('cmp-d', 'delta', 1.5, 10, true),
      run('cmp-e', 'epsilon', 0.8, 10, true),
    ],
  });
});

test.afterAll(async () => {
  await server?.stop();
});

/** The colour of a legend item's swatch (a fill, or a dashed border). */
async function swatchColor(item: Locator): Promise<string> {
  return item.locator('.swatch').evaluate((el) => {
    const s = getComputedStyle(el);
    return s.backgroundColor !== 'rgba(0, 0, 0, 0)' ? s.backgroundColor : s.borderTopColor;
  });
}

const legendItem = (page: Page, panel: string, label: string) =>
  page.getByRole('region', { name: panel }).getByRole('list', { name: 'Legend' }).getByRole('button', { name: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`) });

test('select 3 runs (one live) → compare: one colour per run across panels, live points arrive, baseline deltas', async ({ page }) => {
  await page.goto(server.url);
  for (const name of ['alpha', 'beta', 'gamma-live']) {
    await page.getByRole('row', { name: new RegExp(name) }).getByRole('checkbox').check();
  }
  await expect(page.getByRole('toolbar', { name: 'Selection' })).toContainText('3 selected');
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page).toHaveURL(/\/compare\?ids=/);
  await expect(page.getByRole('heading', { name: 'Compare 3 runs' })).toBeVisible();

  // The union of groups: one panel each, with every run's series named <run> · <metric>.
  for (const [panel, key] of [['training', 'loss'], ['evaluation', 'acc']] as const) {
    for (const name of ['alpha', 'beta', 'gamma-live']) await expect(legendItem(page, panel, `${name} · ${key}`)).toBeVisible();
  }
  // One colour per run, the same in every panel, different between runs; the header shows it too.
  const colours: string[] = [];
  for (const name of ['alpha', 'beta', 'gamma-live']) {
    const c = await swatchColor(legendItem(page, 'training', `${name} · loss`));
    expect(await swatchColor(legendItem(page, 'evaluation', `${name} · acc`))).toBe(c);
    const header = page.getByRole('list', { name: 'Runs' }).getByRole('listitem').filter({ hasText: name });
    expect(await header.locator('.run-swatch').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(c);
    colours.push(c);
  }
  expect(new Set(colours).size).toBe(3);
  await expect(page.getByRole('list', { name: 'Runs' })).toContainText('running');
  await expect(page.getByRole('list', { name: 'Runs' })).toContainText('succeeded');

  // The live run keeps streaming into the comparison.
  await expect(legendItem(page, 'training', 'gamma-live · loss')).toContainText('0.18');
  await ingest(server.url, { executions: [{ id: 'cmp-c', points: [{ key: 'loss', x: [6, 7, 8], y: [0.15, 0.125, 0.1125] }] }] });
  await expect(legendItem(page, 'training', 'gamma-live · loss')).toContainText('0.1125');

  // Baseline: alpha. Legend and tooltip show each value's difference from alpha at the same x.
  await page.getByRole('radio', { name: 'Baseline: alpha' }).check();
  await expect(page).toHaveURL(/baseline=cmp-a/);
  // beta at epoch 10: 0.12 vs alpha 0.1 → +0.02; gamma at epoch 8: 0.1125 vs 0.125 → −0.0125.
  await expect(legendItem(page, 'training', 'beta · loss')).toContainText('0.12 (+0.02)');
  await expect(legendItem(page, 'training', 'gamma-live · loss')).toContainText('0.1125 (−0.0125)');
  await expect(legendItem(page, 'training', 'alpha · loss')).not.toContainText('(');

  const chart = page.getByRole('region', { name: 'training' }).locator('.u-over');
  await expect(chart).toBeVisible();
  const box = (await chart.boundingBox())!;
  // Hover near epoch 2 (x range 1…10 across the plot width).
  await page.mouse.move(box.x + (box.width * 1) / 9, box.y + box.height / 2);
  const tooltip = page.getByRole('region', { name: 'training' }).locator('.chart-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText('2 epoch');
  await expect(tooltip).toContainText('alpha · loss');
  await expect(tooltip).toContainText('beta · loss0.6 (+0.1)');
  await expect(tooltip).toContainText('gamma-live · loss0.45 (−0.05)');
  // The cursor is synced: the other panel's tooltip shows the same epoch.
  await expect(page.getByRole('region', { name: 'evaluation' }).locator('.chart-tooltip')).toContainText('2 epoch');

  // A run can be hidden from the header: its series leave every panel's legend.
  await page.getByRole('button', { name: 'Hide beta' }).click();
  await expect(legendItem(page, 'training', 'beta · loss')).toHaveCount(0);
  await expect(legendItem(page, 'evaluation', 'beta · acc')).toHaveCount(0);
  await page.getByRole('button', { name: 'Show beta' }).click();
  await expect(legendItem(page, 'training', 'beta · loss')).toBeVisible();

  // The URL reproduces the comparison, baseline included.
  const again = await page.context().newPage();
  await again.goto(page.url());
  await expect(legendItem(again, 'training', 'beta · loss')).toContainText('(+0.02)');
  await again.close();
});

test('full fidelity: each run is read downsampled per pixel, and read again in full when zoomed', async ({ page }) => {
  const x = Array.from({ length: 20_000 }, (_, i) => i);
  const dense = (id: string, phase: number) => ({
    id, start: { name: id }, definitions: [{ key: 'signal', group: { name: 'dense', units: 'step' } }],
    points: [{ key: 'signal', x, y: x.map((v) => (v === 12_345 ? 50 : Math.sin(v / 300 + phase))) }], end: { status: 'succeeded' },
  });
  await ingest(server.url, { executions: [dense('dense-a', 0), dense('dense-b', 1)] });
  const reads: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/series?')) reads.push(decodeURIComponent(r.url())); });
  await page.goto(`${server.url}/compare?ids=dense-a,dense-b`);
  await expect(legendItem(page, 'dense', 'dense-b · signal')).toBeVisible();
  // Both runs' history comes in one read of several executions (GET /api/series).
  await expect.poll(() => reads.length).toBe(1);
  // (in whichever order the page learnt of the runs)
  const first = new URL(reads[0]!);
  expect([first.pathname, first.searchParams.getAll('exec').sort(), first.searchParams.getAll('key')]).toEqual(['/api/series', ['dense-a', 'dense-b'], ['signal']]);
  for (const r of reads) expect(Number(/budget=(\d+)/.exec(r)![1])).toBeLessThan(20_000);
  // Zoomed (as the URL keeps it): every run's series is read again over the range, at the chart's resolution.
  await page.goto(`${server.url}/compare?ids=dense-a,dense-b&x=step&from=12000&to=12600`);
  await expect.poll(() => reads.filter((r) => r.includes('from=12000') && r.includes('to=12600')).map((r) => /executions\/([^/]+)\//.exec(r)![1]).sort())
    .toEqual(['dense-a', 'dense-b']);
  await expect(page.getByRole('region', { name: 'dense' }).getByRole('button', { name: 'Follow live' })).toBeVisible();
});

test('runs sharing a name are told apart by the labels that differ', async ({ page }) => {
  await ingest(server.url, { executions: [run('twin-1', 'twin', 1, 3, true, { lr: '0.1' }), run('twin-2', 'twin', 2, 3, true, { lr: '0.2' })] });
  await page.goto(`${server.url}/compare?ids=twin-1,twin-2`);
  await expect(legendItem(page, 'training', 'twin (lr=0.1) · loss')).toBeVisible();
  await expect(legendItem(page, 'training', 'twin (lr=0.2) · loss')).toBeVisible();
});

test('Download CSV of a compare panel holds every run\'s points of its metrics, joined on x', async ({ page }) => {
  await page.goto(`${server.url}/compare?ids=cmp-a,cmp-b`);
  const panel = page.getByRole('region', { name: 'training' });
  await expect(legendItem(page, 'training', 'beta · loss')).toBeVisible();
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const options = panel.getByRole('dialog');
  const [csv] = await Promise.all([page.waitForEvent('download'), options.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(csv.suggestedFilename()).toBe('compare-training.csv');
  const lines = readFileSync((await csv.path())!, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('x,alpha · loss,beta · loss');
  expect(lines).toHaveLength(11);
  expect(lines[1]).toBe(`1,1,1.2`);
  expect(lines[10]).toBe(`10,${1 / 10},${1.2 / 10}`);
  await expect(panel.getByRole('alert')).toHaveCount(0);
});

test('Download CSV names columns as the legend does (twins by their label) and leaves out lines hidden in the legend', async ({ page }) => {
  const pair = (id: string, scale: number, lr: string) => ({
    id, start: { name: 'pair', labels: { lr }, startedAt: Date.now() - 60_000 },
    definitions: [{ key: 'loss', group: { name: 'both', units: 'epoch' } }, { key: 'acc', group: { name: 'both', units: 'epoch' } }],
    points: [{ key: 'loss', x: [1, 2], y: [scale, scale / 2] }, { key: 'acc', x: [1, 2], y: [10 * scale, 20 * scale] }],
    end: { status: 'succeeded' },
  });
  await ingest(server.url, { executions: [pair('pair-1', 1, '0.1'), pair('pair-2', 2, '0.2')] });
  await page.goto(`${server.url}/compare?ids=pair-1,pair-2`);
  const panel = page.getByRole('region', { name: 'both' });
  await legendItem(page, 'both', 'pair (lr=0.2) · loss').click();
  await expect(legendItem(page, 'both', 'pair (lr=0.2) · loss')).toHaveAttribute('aria-pressed', 'false');
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const [csv] = await Promise.all([page.waitForEvent('download'), panel.getByRole('dialog').getByRole('button', { name: 'Download CSV' }).click()]);
  const lines = readFileSync((await csv.path())!, 'utf8').trimEnd().split('\n');
  expect(lines).toEqual(['x,pair (lr=0.1) · loss,pair (lr=0.1) · acc,pair (lr=0.2) · acc', '1,1,10,20', '2,0.5,20,40']);
  await expect(panel.getByRole('alert')).toHaveCount(0);
});

test('a 5-run comparison, light, dark and 390 px wide', async ({ page }) => {
  await page.goto(`${server.url}/compare?ids=cmp-a,cmp-b,cmp-c,cmp-d,cmp-e&baseline=cmp-a`);
  for (const name of ['alpha', 'beta', 'gamma-live', 'delta', 'epsilon']) await expect(legendItem(page, 'training', `${name} · loss`)).toBeVisible();
  const chart = page.getByRole('region', { name: 'training' }).locator('.u-over');
  await expect(chart).toBeVisible();
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await screenshots(page, 'compare-5-runs');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'compare-5-runs-390');
});

test('the compare page has the page bar: smoothing, algorithm, log axes and y range apply to every panel and stay in the URL', async ({ page }) => {
  await page.goto(`${server.url}/compare?ids=cmp-a,cmp-b,cmp-d`);
  const training = page.getByRole('region', { name: 'training' });
  const evaluation = page.getByRole('region', { name: 'evaluation' });
  await expect(training.locator('canvas')).toHaveCount(1);
  await expect(evaluation.locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(300);
  const pixels = (panel: Locator) => panel.locator('canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const ticks = async (panel: Locator) => JSON.parse((await panel.locator('.chart').getAttribute('data-y-ticks')) ?? '[]') as string[][];
  const before = { training: await pixels(training), evaluation: await pixels(evaluation) };
  const bar = page.getByRole('toolbar', { name: 'All panels' });
  await bar.getByRole('slider', { name: 'Smoothing' }).fill('0.7');
  await bar.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption('twema');
  for (const panel of [training, evaluation]) await expect(panel.locator('[data-smoothing="twema:0.7"]')).toHaveCount(1);
  expect(await pixels(training)).not.toBe(before.training);
  expect(await pixels(evaluation)).not.toBe(before.evaluation);
  const linearTicks = await ticks(training);
  await bar.getByRole('checkbox', { name: 'Log y' }).check();
  await expect(page).toHaveURL(/[?&]po=s0\.7%2Catwema%2Cly(&|$)/);
  // loss = scale / epoch spans 0.1 to 1.5: log ticks at powers of ten.
  await expect.poll(() => ticks(training)).not.toEqual(linearTicks);
  expect((await ticks(training))[0]).toEqual(expect.arrayContaining(['1']));
  await bar.getByRole('combobox', { name: 'Y range' }).selectOption('outliers');
  await expect(page).toHaveURL(/[?&]yr=o(&|$)/);
  await expect(page).toHaveURL(/ids=cmp-a%2Ccmp-b%2Ccmp-d|ids=cmp-a,cmp-b,cmp-d/);
  // Each compare panel has its own Panel options, showing what the page set.
  await training.getByRole('button', { name: 'Panel options' }).click();
  const own = training.getByRole('dialog');
  await expect(own.getByRole('slider', { name: 'Smoothing' })).toHaveValue('0.7');
  await expect(own.getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('twema');
  await expect(own.getByRole('checkbox', { name: 'Log y' })).toBeChecked();
  await expect(own.getByRole('radio', { name: 'Ignore outliers' })).toBeChecked();
  await expect(own.getByRole('button', { name: 'Download CSV' })).toBeEnabled();
  await expect(own.getByRole('button', { name: 'Download PNG' })).toBeEnabled();
  await page.keyboard.press('Escape');
  await screenshots(page, 'compare-page-bar');

  await page.reload();
  const bar2 = page.getByRole('toolbar', { name: 'All panels' });
  await expect(bar2.getByRole('slider', { name: 'Smoothing' })).toHaveValue('0.7');
  await expect(bar2.getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('twema');
  await expect(bar2.getByRole('checkbox', { name: 'Log y' })).toBeChecked();
  await expect(bar2.getByRole('combobox', { name: 'Y range' })).toHaveValue('outliers');
  for (const panel of [training, evaluation]) await expect(panel.locator('[data-smoothing="twema:0.7"]')).toHaveCount(1);
  expect((await ticks(training))[0]).toEqual(expect.arrayContaining(['1']));
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  await screenshots(page, 'compare-page-bar-390');
});

test('edit labels and a note on the execution page', async ({ page }) => {
  await page.goto(`${server.url}/executions/cmp-d`);
  await page.getByRole('button', { name: 'Edit labels and note' }).click();
  const form = page.getByRole('form', { name: 'Edit labels and note' });
  await form.getByRole('textbox', { name: 'Label 1 key' }).fill('team');
  await form.getByRole('textbox', { name: 'Label 1 value' }).fill('vision');
  await form.getByRole('button', { name: 'Add label' }).click();
  await form.getByRole('textbox', { name: 'Label 2 key' }).fill('sweep');
  await form.getByRole('textbox', { name: 'Label 2 value' }).fill('lr-2');
  await form.getByRole('textbox', { name: 'Note' }).fill('Diverged after epoch 7: lr too high.');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form).toHaveCount(0);
  await expect(page.getByLabel('Note')).toHaveText('Diverged after epoch 7: lr too high.');
  await expect(page.locator('.exec-head .labels')).toContainText('vision');
  const e = (await (await fetch(`${server.url}/api/executions/cmp-d`)).json()).execution;
  expect(e.labels).toEqual({ team: 'vision', sweep: 'lr-2' });
  expect(e.note).toBe('Diverged after epoch 7: lr too high.');
  await screenshots(page, 'execution-note');
  // The table filters by the new label.
  await page.goto(`${server.url}/?label=team:vision`);
  await expect(page.locator('table.executions tbody tr')).toHaveCount(1);
});

test('runs recorded with `at`: the compare panel is labelled step and offers relative and wall time from the record times', async ({ page }) => {
  const T0 = Date.now() - 3_600_000;
  const steps = epochs(200);
  // Two runs whose x came from `at` in a group without units, each recorded over its own ten minutes.
  const atRun = (id: string, name: string, start: number) => ({
    id, start: { name, startedAt: start },
    definitions: [{ key: 'loss', group: { name: 'fit' } }],
    points: [{ key: 'loss', x: steps, y: steps.map((s) => 1 / s), t: [start + 1000, start + 600_000] }],
    end: { status: 'succeeded' },
  });
  await ingest(server.url, { executions: [atRun('cmp-at-a', 'at-a', T0), atRun('cmp-at-b', 'at-b', T0 + 900_000)] });
  await page.goto(`${server.url}/compare?ids=cmp-at-a,cmp-at-b`);
  const panel = page.getByRole('region', { name: 'fit' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  const ticks = async () => JSON.parse((await panel.locator('.chart').getAttribute('data-x-ticks')) ?? '[]') as string[];
  // Step ticks: plain numbers, not durations since the start.
  await expect.poll(ticks).toEqual(expect.arrayContaining(['100']));
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const xAxis = panel.getByRole('dialog').getByRole('combobox', { name: 'X axis' });
  const choices = await xAxis.locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).label, (o as HTMLOptionElement).disabled]));
  expect(choices).toEqual([['step', false], ['relative time', false], ['wall time', false]]);
  await xAxis.selectOption('wall');
  await panel.getByRole('button', { name: 'Panel options' }).click();
  await expect.poll(ticks).toEqual(expect.arrayContaining([expect.stringMatching(/^\d{1,2}:\d{2}(:\d{2})?/)]));
  for (const l of await ticks()) expect(l).not.toMatch(/NaN|undefined|start \+/);
  await screenshots(page, 'compare-at-wall-time');
});

test('long run names: the compare legend shortens them around the part that differs (full name for readers), and a long label wraps', async ({ page }) => {
  // A 150-character run name made each legend entry several lines tall, so a panel's legend showed two or three runs
  // and cut the metric key off; a 200-character label value widened the page past the viewport.
  const stem = `sweep_${'lr0.001_bs32_'.repeat(11)}`;
  await ingest(server.url, {
    executions: [
      { id: 'long-a', start: { name: `${stem}seed1`, labels: { config: 'cfg'.repeat(66) } }, points: [{ key: 'loss', x: [1, 2], y: [1, 0.5] }] },
      { id: 'long-b', start: { name: `${stem}seed2` }, points: [{ key: 'loss', x: [1, 2], y: [2, 1] }] },
    ],
  });
  for (const viewport of [1280, 390]) {
    await page.setViewportSize({ width: viewport, height: 900 });
    await page.goto(`${server.url}/compare?ids=long-a,long-b`);
    const legend = page.getByRole('region', { name: 'loss' }).getByRole('list', { name: 'Legend' });
    await expect(legend.locator('.legend-key')).toHaveCount(2);
    const shown = await legend.locator('.legend-key').allInnerTexts();
    expect(shown).toHaveLength(2);
    for (const [i, text] of shown.entries()) {
      expect(text.length, text).toBeLessThanOrEqual(36);
      expect(text).toContain(`seed${i + 1}`);
      expect(text).toMatch(/loss$/);
    }
    await expect(legend.getByRole('button').first()).toContainText(`${stem}seed1 · loss`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `compare page at ${viewport}`).toBeLessThanOrEqual(viewport);
    await screenshots(page, `compare-long-names-${viewport}`);
  }
});
