import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

/** Values the server accepts that froze, blanked or mislabelled a page (issue #10), each opened live and cold. */

let server: StudioServer;
const errors: string[] = [];

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
});
test.afterAll(async () => {
  await server?.stop();
});
test.beforeEach(({ page }) => {
  errors.length = 0;
  page.on('pageerror', (e) => errors.push(e.message));
});
test.afterEach(() => {
  expect(errors).toEqual([]);
});

type Y = number | 'NaN' | 'Infinity' | '-Infinity';

/** `EX(key, xs, ys)`: one execution of group `train` (units `step`) with those points for `key`, then `end: succeeded`. */
function ex(id: string, key: string, x: number[], y: Y[], opts: { end?: boolean; start?: boolean } = {}) {
  return {
    executions: [{
      id,
      ...(opts.start !== false && { start: { name: id } }),
      definitions: [{ key, group: { name: 'train', units: 'step' } }],
      points: [{ key, x, y }],
      ...(opts.end !== false && { end: { status: 'succeeded' } }),
    }],
  };
}

/** The page runs script within a second: it is not frozen in tick generation. */
async function answersWithinASecond(page: Page): Promise<void> {
  const started = Date.now();
  const answer = await Promise.race([
    page.evaluate(() => document.title),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000)),
  ]);
  expect(answer, `page did not answer within 1 s (${Date.now() - started} ms)`).not.toBeNull();
}

const yTicks = async (page: Page, panel = 'train'): Promise<string[][]> =>
  JSON.parse((await page.getByRole('region', { name: panel }).locator('.chart').getAttribute('data-y-ticks')) ?? '[]') as string[][];

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('float noise around a constant: a flat line with readable ticks, cold and live (1.0 / 1.0000000000000002)', async ({ page }) => {
  const ys = range(100).map((i) => (i % 2 ? 1.0000000000000002 : 1.0));
  await ingest(server.url, ex('noise-cold', 'grad_norm', range(100), ys));
  await page.goto(`${server.url}/executions/noise-cold`);
  await expect(page.getByRole('region', { name: 'train' }).getByRole('button', { name: /grad_norm/ })).toContainText(/^grad_norm1(\.0+2)?$/);
  await answersWithinASecond(page);
  expect(await yTicks(page)).toEqual([['0.9', '0.95', '1', '1.05', '1.1']]);
  await screenshots(page, 'fault-1-noise');

  // Live: a page open on a running execution when such a point arrives.
  await ingest(server.url, ex('noise-live', 'grad_norm', [0], [1.0], { end: false }));
  await page.goto(`${server.url}/executions/noise-live`);
  const legend = page.getByRole('region', { name: 'train' }).getByRole('button', { name: /grad_norm/ });
  await expect(legend).toContainText('1');
  await ingest(server.url, ex('noise-live', 'grad_norm', [1, 2, 3], [1.0000000000000002, 1.0, 1.0000000000000002], { start: false, end: false }));
  await expect.poll(async () => (await yTicks(page))[0]?.length ?? 0).toBeGreaterThan(2);
  await answersWithinASecond(page);
  expect(await yTicks(page)).toEqual([['0.9', '0.95', '1', '1.05', '1.1']]);
});

test('offsets: 10 + i·1e-9 gets distinct ticks and legend value', async ({ page }) => {
  await ingest(server.url, ex('offset', 'loss', range(20), range(20).map((i) => 10 + i * 1e-9)));
  await page.goto(`${server.url}/executions/offset`);
  await expect(page.getByRole('region', { name: 'train' }).getByRole('button', { name: /loss/ })).toContainText('10 + 1.9e-8');
  await answersWithinASecond(page);
  const [labels] = await yTicks(page);
  expect(labels!.length).toBeGreaterThanOrEqual(3);
  expect(new Set(labels).size).toBe(labels!.length);
  expect(labels).toContain('10 + 1e-8');
  await screenshots(page, 'fault-2-offset');
});

test('extreme magnitudes: 1e30, 1e200, 1e300 and a diverging loss are drawn on labelled axes that fit', async ({ page }) => {
  const cases: [string, Y[], string][] = [
    ['mag-1e30', [1e30, 2e30, 1.5e30, 3e30], '3e30'],
    ['mag-1e200', [1e200, 1e200, 1e200], '1e200'],
    ['mag-1e300', [1e300, 5e300, 2e300], '2e300'],
    ['mag-diverging', [0.5, 2.0, -1e308, 1e308, 'Infinity'], '+∞'],
    ['mag-tiny', [1e-300, 3e-300, -2e-300], '-2e-300'],
  ];
  for (const [id, ys, last] of cases) {
    await ingest(server.url, ex(id, 'loss', range(ys.length), ys));
    await page.goto(`${server.url}/executions/${id}`);
    await expect(page.getByRole('region', { name: 'train' }).getByRole('button', { name: /loss/ })).toContainText(last);
    await answersWithinASecond(page);
    const [labels] = await yTicks(page);
    expect(labels!.length, id).toBeGreaterThanOrEqual(2);
    expect(new Set(labels).size).toBe(labels!.length);
    // The y-axis is as wide as its labels: the plot starts to the right of the widest label.
    const fits = await page.getByRole('region', { name: 'train' }).locator('.chart').evaluate((host, widest) => {
      const over = host.querySelector('.u-over') as HTMLElement;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = `11px ${getComputedStyle(document.documentElement).getPropertyValue('--font')}`;
      return over.offsetLeft >= Math.max(...widest.map((l) => ctx.measureText(l).width));
    }, labels!);
    expect(fits, id).toBe(true);
    await screenshots(page, `fault-3-${id}`);
  }
  const [diverging] = await (async () => {
    await page.goto(`${server.url}/executions/mag-diverging`);
    await expect(page.getByRole('region', { name: 'train' }).locator('canvas')).toHaveCount(1);
    return yTicks(page);
  })();
  expect(diverging).toEqual(['-1e308', '0', '1e308']);
});

test('huge step numbers with tiny steps stay responsive (x up to 2^53 and 1e15 + i/8)', async ({ page }) => {
  const big = [-8, -6, -4, -2, 0].map((d) => 2 ** 53 + d);
  await ingest(server.url, ex('x-2-53', 'loss', big, [1, 2, 3, 2, 1]));
  await page.goto(`${server.url}/executions/x-2-53`);
  await expect(page.getByRole('region', { name: 'train' }).getByRole('button', { name: /loss/ })).toContainText('1');
  await answersWithinASecond(page);
  await screenshots(page, 'fault-4-x-2-53');
  await ingest(server.url, ex('x-tiny-steps', 'loss', range(40).map((i) => 1e15 + i / 8), range(40).map((i) => Math.sin(i))));
  await page.goto(`${server.url}/executions/x-tiny-steps`);
  await expect(page.getByRole('region', { name: 'train' }).locator('canvas')).toHaveCount(1);
  await answersWithinASecond(page);
  // Hovering shows the exact step.
  const over = page.getByRole('region', { name: 'train' }).locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
  await expect(page.locator('.chart-tooltip-title')).toHaveText(/^1,000,000,000,000,00\d(\.\d+)? step$/);
});

/** The x tick labels a panel draws (its `data-x-ticks`). */
const xTicks = async (page: Page, panel: string): Promise<string[]> =>
  JSON.parse((await page.getByRole('region', { name: panel }).locator('.chart').getAttribute('data-x-ticks')) ?? '[]') as string[];

/** Labels a person can read: some, all different, none saying the data broke them. */
function expectReadable(labels: string[], what: string): void {
  expect(labels.length, `${what}: ${JSON.stringify(labels)}`).toBeGreaterThanOrEqual(2);
  expect(new Set(labels).size, `${what}: ${JSON.stringify(labels)}`).toBe(labels.length);
  for (const l of labels) expect(l, what).not.toMatch(/NaN|Infinity|invalid|undefined/);
}

test('x near 2^53 reads on every x axis: units, relative and wall time, seconds; wide and 390 px', async ({ page }) => {
  const T0 = Date.now() - 600_000;
  const xs = range(992).map((i) => 9007199254740000 + i);
  await ingest(server.url, {
    executions: [{
      id: 'x-near-2-53', start: { name: 'x near 2^53', startedAt: T0 },
      definitions: [{ key: 'loss', group: { name: 'train', units: 'step' } }, { key: 'secs' }],
      points: [
        // Recorded over ten minutes: relative and wall time are offered.
        { key: 'loss', x: xs, y: xs.map((_, i) => Math.exp(-i / 300)), t: [T0, T0 + 600_000] },
        // x in seconds since the start, far beyond any calendar.
        { key: 'secs', x: xs, y: xs.map((_, i) => i % 7) },
      ],
    }],
  });
  await page.goto(`${server.url}/executions/x-near-2-53`);
  await expect(page.getByRole('region', { name: 'train' }).locator('canvas')).toHaveCount(1);
  await expect(page.getByRole('region', { name: 'secs' }).locator('canvas')).toHaveCount(1);
  await answersWithinASecond(page);
  expectReadable(await xTicks(page, 'train'), 'units');
  expectReadable(await xTicks(page, 'secs'), 'seconds');
  await screenshots(page, 'fault-x-near-2-53-units');
  for (const axis of ['relative', 'wall'] as const) {
    await page.goto(`${server.url}/executions/x-near-2-53?po=x${axis}`);
    await expect(page.getByRole('region', { name: 'train' }).locator('canvas')).toHaveCount(1);
    await expect.poll(async () => (await xTicks(page, 'train')).join('|')).toMatch(axis === 'wall' ? /\d{2}:\d{2}/ : /\d+m/);
    expectReadable(await xTicks(page, 'train'), `${axis} time`);
    expectReadable(await xTicks(page, 'secs'), `seconds as ${axis} time`);
    if (axis === 'wall') await screenshots(page, 'fault-x-near-2-53-wall');
  }
  await page.setViewportSize({ width: 390, height: 900 });
  await page.goto(`${server.url}/executions/x-near-2-53?po=xwall`);
  await expect(page.getByRole('region', { name: 'secs' }).locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(300);
  for (const panel of ['train', 'secs']) expect((await xTicks(page, panel)).length, panel).toBeGreaterThanOrEqual(1);
  await screenshots(page, 'fault-x-near-2-53-390');
});

test('isolated finite points among NaN are drawn as dots', async ({ page }) => {
  const ys: Y[] = range(300).map((i) => (i % 7 === 3 ? Math.sin(i) : 'NaN'));
  expect(ys.filter((v) => v !== 'NaN')).toHaveLength(43);
  await ingest(server.url, ex('isolated', 'loss', range(300), ys));
  await page.goto(`${server.url}/executions/isolated`);
  await expect(page.getByRole('region', { name: 'train' }).getByRole('button', { name: /loss/ })).toContainText('NaN');
  await page.waitForTimeout(300);
  // Count pixels of the series colour on the canvas: 43 dots of 5 px.
  const coloured = await page.getByRole('region', { name: 'train' }).locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
    const swatch = getComputedStyle(document.querySelector('.legend-item .swatch')!).backgroundColor;
    const [r, g, b] = swatch.match(/\d+/g)!.map(Number);
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r!) < 40 && Math.abs(data[i + 1]! - g!) < 40 && Math.abs(data[i + 2]! - b!) < 40) n++;
    return n;
  });
  expect(coloured).toBeGreaterThan(43 * 8);
  await screenshots(page, 'fault-5-isolated');
});

test('50 metrics with ~95-character names and no scale: one axis, every value in the tooltip, a legend with filter and show-only', async ({ page }) => {
  const keys = range(50).map((i) => `model.encoder.layers.${String(i).padStart(2, '0')}.self_attention.output_projection.weight.gradient_norm_l2_clipped_global`);
  expect(keys[0]!.length).toBeGreaterThanOrEqual(90);
  await ingest(server.url, {
    executions: [{
      id: 'many',
      start: { name: 'many series' },
      definitions: keys.map((key) => ({ key, group: { name: 'train', units: 'step' } })),
      points: keys.map((key, s) => ({ key, x: range(50), y: range(50).map((i) => Math.sin(i / 8 + s) * (1 + s / 10)) })),
      end: { status: 'succeeded' },
    }],
  });
  await page.goto(`${server.url}/executions/many`);
  const panel = page.getByRole('region', { name: 'train' });
  await expect(panel.getByRole('button', { name: new RegExp(keys[49]!.replace(/\./g, '\\.')) })).toBeVisible();
  await answersWithinASecond(page);
  expect(await yTicks(page)).toHaveLength(1);
  // Long names are shortened on screen, whole in the text and on hover.
  const first = panel.getByRole('button', { name: new RegExp(`^${keys[0]!.replace(/\./g, '\\.')}`) });
  await expect(first).toHaveAttribute('title', `Hide ${keys[0]}`);
  await expect(first.locator('.legend-key')).toHaveText(/…/);
  // Each entry is named by its own series (the layer number is where the names differ), not another's.
  const layerOf = (texts: string[]) => texts.map((t) => /layers\.(\d\d)/.exec(t)?.[1] ?? '?');
  const names = range(50).map((i) => String(i).padStart(2, '0'));
  expect(layerOf(await panel.locator('.legend-key').allTextContents())).toEqual(names);
  // Colours: at least 20 different ones.
  const colours = await panel.locator('.legend-item .swatch').evaluateAll((els) => new Set(els.map((e) => getComputedStyle(e).backgroundColor)).size);
  expect(colours).toBeGreaterThanOrEqual(20);

  // The tooltip lists every visible series at the cursor; the legend shows the values there.
  const over = panel.locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.locator('.chart-tooltip-row')).toHaveCount(50);
  await expect(panel.locator('.legend-wrap')).toHaveClass(/at-cursor/);
  expect(layerOf(await page.locator('.chart-tooltip-label').allTextContents())).toEqual(names);
  expect(layerOf(await panel.locator('.legend-key').allTextContents())).toEqual(names);
  await screenshots(page, 'fault-6-many-tooltip');
  await page.mouse.move(0, 0);

  // Filter box and show-only.
  const filter = panel.getByRole('searchbox', { name: 'Filter series' });
  await filter.fill('layers.07.');
  await expect(panel.locator('.legend-item')).toHaveCount(1);
  await filter.fill('');
  await expect(panel.locator('.legend-item')).toHaveCount(50);
  await panel.locator('.legend-entry').nth(3).getByRole('button', { name: 'Show only this series' }).click();
  await expect(panel.locator('.legend-item[aria-pressed="true"]')).toHaveCount(1);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.locator('.chart-tooltip-row')).toHaveCount(1);
  await page.mouse.move(0, 0);
  await panel.locator('.legend-entry').nth(3).getByRole('button', { name: 'Show only this series' }).click();
  await expect(panel.locator('.legend-item[aria-pressed="true"]')).toHaveCount(50);
  await screenshots(page, 'fault-6-many');
});

test('one notation per legend: 963,400,000 and 1.902e9 read alike', async ({ page }) => {
  await ingest(server.url, {
    executions: [{
      id: 'notation',
      start: { name: 'notation' },
      definitions: ['tokens', 'bytes'].map((key) => ({ key, group: { name: 'train', units: 'step' } })),
      points: [{ key: 'tokens', x: [0, 1], y: [1e8, 963_400_000] }, { key: 'bytes', x: [0, 1], y: [1e9, 1.902e9] }],
      end: { status: 'succeeded' },
    }],
  });
  await page.goto(`${server.url}/executions/notation`);
  const panel = page.getByRole('region', { name: 'train' });
  await expect(panel.getByRole('button', { name: /tokens/ })).toContainText('963.4M');
  await expect(panel.getByRole('button', { name: /bytes/ })).toContainText('1.902G');
  const [labels] = await yTicks(page);
  expect(new Set(labels).size).toBe(labels!.length);
  expect(labels!.every((l) => /^(0|[\d.]+[kMG])$/.test(l))).toBe(true);
});

test('the summary-over-time x-axis never repeats a tick (six identical "0.16s" ticks)', async ({ page }) => {
  await ingest(server.url, {
    executions: [{
      id: 'summary-ticks',
      start: { name: 'summary ticks' },
      summary: [0.15, 0.155, 0.16, 0.165, 0.17, 0.175].map((x, i) => ({ key: 'tokens', value: 10 * (i + 1), x })),
      end: { status: 'succeeded' },
    }],
  });
  await page.goto(`${server.url}/executions/summary-ticks`);
  const figure = page.getByRole('region', { name: 'Summary' }).getByRole('figure', { name: 'Summary over time' });
  await expect(figure.locator('canvas')).toHaveCount(1);
  await answersWithinASecond(page);
  const labels = JSON.parse((await figure.locator('.chart').getAttribute('data-x-ticks')) ?? '[]') as string[];
  expect(labels.length).toBeGreaterThanOrEqual(2);
  expect(new Set(labels).size).toBe(labels.length);
  expect(labels.every((l) => /^0\.1\d*s$/.test(l))).toBe(true);
  await screenshots(page, 'fault-8-summary-ticks');
});

test('hovering lines held reduced names the x of each value shown when it is not the cursor\'s (never another step\'s value as this one\'s)', async ({ page }) => {
  // 100,000 steps of two zigzags whose per-pixel min and max fall on other steps (odd and even): far more than the page
  // reads, so it holds them reduced, each at its own steps. Each value must be its line's at the x it is shown for.
  const n = 100_000;
  const f = [(x: number) => x + 10 * (x % 2), (x: number) => x + 10 * ((x + 1) % 2)];
  const body = ex('reduced-tooltip', 'a', range(n), range(n).map(f[0]!));
  body.executions[0]!.definitions.push({ key: 'b', group: { name: 'train', units: 'step' } });
  body.executions[0]!.points.push({ key: 'b', x: range(n), y: range(n).map(f[1]!) });
  await ingest(server.url, body);
  await page.goto(`${server.url}/executions/reduced-tooltip`);
  const over = page.getByRole('region', { name: 'train' }).locator('.u-over');
  await expect(over).toBeVisible();
  const box = (await over.boundingBox())!;
  const num = (s: string) => Number(/-?[\d,]*\.?\d+(e[+-]?\d+)?/.exec(s)![0].replace(/,/g, ''));
  let named = 0;
  for (const at of [0.23, 0.41, 0.57, 0.71, 0.89]) {
    await page.mouse.move(box.x + box.width * at, box.y + box.height / 2);
    await expect(page.locator('.chart-tooltip-value')).toHaveCount(2);
    const title = num((await page.locator('.chart-tooltip-title').textContent())!);
    const texts = await page.locator('.chart-tooltip-value').allTextContents();
    texts.forEach((text, j) => {
      const [value, of] = text.split(' at ');
      const x = of === undefined ? title : num(of);
      if (of !== undefined) named++;
      expect(Math.abs(num(value!) - f[j]!(x)), `${text} under ${title}`).toBeLessThanOrEqual(1);
    });
  }
  expect(named).toBeGreaterThan(0);
  // With the tooltip up, light and dark.
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(300);
    await page.mouse.move(box.x + box.width * 0.41, box.y + box.height / 2);
    await expect(page.locator('.chart-tooltip-value')).toHaveCount(2);
    await page.screenshot({ path: `test-results/screenshots/fault-reduced-tooltip-hover-${scheme}.png` });
  }
});
