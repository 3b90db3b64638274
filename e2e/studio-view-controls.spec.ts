import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// The page bar, navigation, y ranges and "Copy link" (issue #17), on a real server and browser.
let server: StudioServer;
// More points than the first read's budget (4 per pixel), so a zoom reads finer data.
const N = 20000;
const xs = Array.from({ length: N }, (_, i) => i + 1);
// A decay over three decades with a few spikes that "ignore outliers" leaves out of the range.
const loss = xs.map((x) => (x % 2500 === 0 ? 5000 : Number((1000 * Math.exp(-x / 3000) * (1 + 0.3 * Math.sin(x * 1.3))).toPrecision(10))));
const lr = xs.map((x) => Number((0.1 * Math.exp(-x / 10000)).toPrecision(10)));

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  await ingest(server.url, {
    executions: [{
      id: 'view-1', start: { name: 'view controls' },
      definitions: [
        { key: 'loss', group: { name: 'training', units: 'step' } },
        { key: 'acc', group: { name: 'training', units: 'step' } },
        { key: 'lr', group: { name: 'schedule', units: 'step' } },
      ],
      points: [
        { key: 'loss', x: xs, y: loss },
        { key: 'acc', x: xs, y: xs.map((x) => x / N) },
        { key: 'lr', x: xs, y: lr },
      ],
    }],
  });
});

test.afterAll(async () => {
  await server?.stop();
});

const region = (page: Page, name: string) => page.getByRole('region', { name });
const pixels = (page: Page, name: string) => region(page, name).locator('canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL());
const yTicks = async (page: Page, name: string) => JSON.parse((await region(page, name).locator('.chart').getAttribute('data-y-ticks')) ?? '[]') as string[][];

async function ready(page: Page, url: string) {
  await page.goto(`${server.url}${url}`);
  await expect(region(page, 'training').locator('canvas')).toHaveCount(1);
  await expect(region(page, 'schedule').locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(300);
}

test('the page bar sets smoothing and Log y on every panel; a panel overrides it; reload restores both', async ({ page }) => {
  await ready(page, '/executions/view-1');
  const bar = page.getByRole('toolbar', { name: 'All panels' });
  const before = { training: await pixels(page, 'training'), schedule: await pixels(page, 'schedule') };
  await bar.getByRole('checkbox', { name: 'Log y' }).check();
  await bar.getByRole('slider', { name: 'Smoothing' }).fill('0.8');
  await expect(page).toHaveURL(/[?&]po=s0\.8%2Cly/);
  await page.waitForTimeout(300);
  expect(await pixels(page, 'training')).not.toBe(before.training);
  expect(await pixels(page, 'schedule')).not.toBe(before.schedule);
  expect((await yTicks(page, 'training'))[0]).toEqual(expect.arrayContaining(['1', '100']));

  // Each panel's own options show what the page set.
  await region(page, 'schedule').getByRole('button', { name: 'Panel options' }).click();
  const own = region(page, 'schedule').getByRole('dialog');
  await expect(own.getByRole('checkbox', { name: 'Log y' })).toBeChecked();
  await expect(own.getByRole('slider', { name: 'Smoothing' })).toHaveValue('0.8');
  // One panel turns Log y off for itself only.
  await own.getByRole('checkbox', { name: 'Log y' }).uncheck();
  await expect(page).toHaveURL(/po\.[^=]*schedule=ly0/);
  await expect(own.getByText(/Set on this panel.*log y/)).toBeVisible();
  await screenshots(page, 'view-page-bar');

  await page.reload();
  await expect(page.getByRole('toolbar', { name: 'All panels' }).getByRole('checkbox', { name: 'Log y' })).toBeChecked();
  await region(page, 'schedule').getByRole('button', { name: 'Panel options' }).click();
  await expect(region(page, 'schedule').getByRole('dialog').getByRole('checkbox', { name: 'Log y' })).not.toBeChecked();
  await region(page, 'training').getByRole('button', { name: 'Panel options' }).click();
  await expect(region(page, 'training').getByRole('dialog').getByRole('checkbox', { name: 'Log y' })).toBeChecked();

  // Setting Log y on the page again applies to all panels: the override is gone.
  const bar2 = page.getByRole('toolbar', { name: 'All panels' });
  await bar2.getByRole('checkbox', { name: 'Log y' }).uncheck();
  await bar2.getByRole('checkbox', { name: 'Log y' }).check();
  await expect(page).not.toHaveURL(/schedule=/);
});

const rangeOf = (url: string) => {
  const p = new URL(url).searchParams;
  return { from: Number(p.get('from')), to: Number(p.get('to')), axis: p.get('x') };
};
const refetch = (page: Page) => page.waitForRequest((r) => /\/api\/executions\/view-1\/series\?.*from=/.test(r.url()));

test('wheel zooms x about the pointer and refetches finer data; Ctrl+wheel zooms y', async ({ page }) => {
  await ready(page, '/executions/view-1');
  const over = region(page, 'training').locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
  const fetched = refetch(page);
  await page.mouse.wheel(0, -300);
  await expect(page).toHaveURL(/from=.*to=/);
  await fetched;
  const r = rangeOf(page.url());
  expect(r.axis).toBe('step');
  // Zoomed in about the pointer, a quarter of the way along: it stays a quarter of the way along.
  expect(r.to - r.from).toBeLessThan(0.75 * N);
  expect((0.25 * N - r.from) / (r.to - r.from)).toBeCloseTo(0.25, 1);
  // The other panel on the same x axis follows.
  await expect(region(page, 'schedule').locator('.chart')).toHaveAttribute('data-x-ticks', (await region(page, 'training').locator('.chart').getAttribute('data-x-ticks'))!);

  const ticksBefore = await yTicks(page, 'training');
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -300);
  await page.keyboard.up('Control');
  await expect(page).toHaveURL(/yr\.[^=]*training=/);
  expect(await yTicks(page, 'training')).not.toEqual(ticksBefore);
});

test('keyboard on a focused chart: + and - zoom, arrows pan, 0 resets', async ({ page }) => {
  await ready(page, '/executions/view-1?from=1000&to=2000&x=step');
  const chart = region(page, 'training').locator('.chart');
  await chart.focus();
  await page.keyboard.press('+');
  await expect.poll(() => rangeOf(page.url()).to - rangeOf(page.url()).from).toBeCloseTo(800, 3);
  expect(rangeOf(page.url()).from).toBeCloseTo(1100, 3);
  const fetched = refetch(page);
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => rangeOf(page.url()).from).toBeCloseTo(1180, 3);
  await fetched;
  await page.keyboard.press('-');
  await expect.poll(() => rangeOf(page.url()).to - rangeOf(page.url()).from).toBeCloseTo(1000, 3);
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => rangeOf(page.url()).from).toBeCloseTo(980, 3);
  await page.keyboard.press('0');
  await expect(page).not.toHaveURL(/from=/);
});

test('a dragged box zooms x and y, Shift+drag pans, double-click resets both; the zoom survives live updates', async ({ page }) => {
  await ready(page, '/executions/view-1');
  const over = region(page, 'training').locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.7, { steps: 5 });
  await page.mouse.up();
  await expect(page).toHaveURL(/from=/);
  const params = [...new URL(page.url()).searchParams];
  const yr = params.filter(([k]) => k.startsWith('yr.'));
  // Only the panel dragged on zooms y (the other panel of the same x follows the x zoom only).
  expect(yr.map(([k]) => k)).toEqual([expect.stringMatching(/training$/)]);
  const r = rangeOf(page.url());
  expect(r.from).toBeGreaterThan(0.35 * N);
  expect(r.to).toBeLessThan(0.65 * N);
  const [min, max] = yr[0]![1].split(';')[0]!.split(':').map(Number);
  expect(max! - min!).toBeGreaterThan(0);
  expect(min!).toBeGreaterThan(0);
  await expect(region(page, 'training').getByRole('button', { name: 'Follow live' })).toBeVisible();
  await screenshots(page, 'view-box-zoom');

  // Live points arrive: the zoomed view stays.
  const xTicks = await region(page, 'training').locator('.chart').getAttribute('data-x-ticks');
  const yBefore = await yTicks(page, 'training');
  await ingest(server.url, { executions: [{ id: 'view-1', points: [{ key: 'loss', x: [N + 1, N + 2], y: [1, 2] }] }] });
  await expect(region(page, 'training').getByText('2', { exact: true })).toBeVisible();
  expect(await region(page, 'training').locator('.chart').getAttribute('data-x-ticks')).toBe(xTicks);
  expect(await yTicks(page, 'training')).toEqual(yBefore);

  // Shift+drag pans x by the dragged distance.
  const before = rangeOf(page.url());
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect.poll(() => rangeOf(page.url()).from).toBeGreaterThan(before.from);
  const after = rangeOf(page.url());
  const moved = (after.from - before.from) / (before.to - before.from);
  expect(moved).toBeGreaterThan(0.15);
  expect(moved).toBeLessThan(0.25);
  expect(after.to - after.from).toBeCloseTo(before.to - before.from, 3);

  await over.dblclick();
  await expect(page).not.toHaveURL(/from=|yr\./);
});

test('y range: ignore outliers clips the spikes and says so; fixed min/max frames the axis; both in the URL', async ({ page }) => {
  await ready(page, '/executions/view-1');
  const panel = region(page, 'training');
  const autoTicks = await yTicks(page, 'training');
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const dialog = panel.getByRole('dialog');
  await dialog.getByRole('radio', { name: 'Ignore outliers' }).check();
  await expect(page).toHaveURL(/yr\.[^=]*training=o/);
  // The 8 spikes of 5000 (every 2500 steps) are left out of the range, with at most the 1 % tails: counted and marked.
  const note = panel.getByText(/^[\d,]+ values are outside the y range: clipped, marked ▲▼ at the edge\.$/);
  await expect(note).toBeVisible();
  const clipped = Number((await note.textContent())!.split(' ')[0]!.replace(/,/g, ''));
  expect(clipped).toBeGreaterThanOrEqual(8);
  expect(clipped).toBeLessThanOrEqual(0.02 * 2 * N);
  const top = (ticks: string[][]) => Math.max(...ticks[0]!.map((t) => Number(t.replace(/,/g, ''))));
  expect(top(await yTicks(page, 'training'))).toBeLessThan(2000);
  expect(top(autoTicks)).toBeGreaterThanOrEqual(4000);
  await screenshots(page, 'view-y-outliers');

  await dialog.getByRole('radio', { name: 'Fixed' }).check();
  await dialog.getByRole('textbox', { name: 'Y min' }).fill('0');
  await dialog.getByRole('textbox', { name: 'Y max' }).fill('200');
  await dialog.getByRole('textbox', { name: 'Y max' }).press('Enter');
  await expect(page).toHaveURL(/yr\.[^=]*training=0%3A200/);
  const fixed = (await yTicks(page, 'training'))[0]!;
  expect(fixed[0]).toBe('0');
  expect(fixed.at(-1)).toBe('200');
  await expect(panel.getByText(/values are outside the y range/)).toBeVisible();
  // A max below the min is refused by name, and the URL keeps the last good range.
  await dialog.getByRole('textbox', { name: 'Y max' }).fill('-5');
  await dialog.getByRole('textbox', { name: 'Y max' }).press('Enter');
  await expect(dialog.getByRole('textbox', { name: 'Y max' })).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/yr\.[^=]*training=0%3A200/);

  await page.reload();
  // The chart is made again after the reload: its ticks once it is drawn.
  await expect.poll(async () => (await yTicks(page, 'training'))[0]?.at(-1)).toBe('200');
});

test('Copy link copies a URL that reproduces the view: zoom, y range, options, hidden series', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await ready(page, '/executions/view-1?from=5000&to=9000&x=step&po=s0.5');
  const panel = region(page, 'training');
  await panel.getByRole('button', { name: /^acc/ }).click();
  await expect(panel.getByRole('button', { name: /^acc/ })).toHaveAttribute('aria-pressed', 'false');
  await expect(page).toHaveURL(/h\.[^=]*training=acc/);
  await panel.getByRole('button', { name: 'Panel options' }).click();
  await panel.getByRole('dialog').getByRole('checkbox', { name: 'Log y' }).check();
  await panel.getByRole('dialog').getByRole('radio', { name: 'Ignore outliers' }).check();
  await page.keyboard.press('Escape');
  const view = { x: await panel.locator('.chart').getAttribute('data-x-ticks'), y: await yTicks(page, 'training') };

  await page.getByRole('toolbar', { name: 'All panels' }).getByRole('button', { name: 'Copy link' }).click();
  // Said politely (aria-live), not as a second role=status: the page's status is the live connection.
  await expect(page.getByText('Link copied')).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(page.url());

  const other = await context.newPage();
  await other.goto(link);
  const again = other.getByRole('region', { name: 'training' });
  await expect(again.locator('canvas')).toHaveCount(1);
  await expect(again.getByRole('button', { name: /^acc/ })).toHaveAttribute('aria-pressed', 'false');
  await expect(again.locator('.chart')).toHaveAttribute('data-x-ticks', view.x!);
  await expect.poll(async () => JSON.parse((await again.locator('.chart').getAttribute('data-y-ticks')) ?? '[]')).toEqual(view.y);
  await expect(other.getByRole('toolbar', { name: 'All panels' }).getByRole('slider', { name: 'Smoothing' })).toHaveValue('0.5');
  await other.close();
});

test('log axes: powers of ten labelled, minor ticks between them, labels inside one decade', async ({ page }) => {
  await ready(page, `/executions/view-1?po.${encodeURIComponent('group:schedule')}=lx,ly`);
  const chart = region(page, 'schedule').locator('.chart');
  await expect.poll(async () => JSON.parse((await chart.getAttribute('data-x-ticks')) ?? '[]')).toEqual(expect.arrayContaining(['1', '10', '100', '1000', '10000']));
  // Zoomed inside one decade of x (2000…8000): minor values get labels, never the same one twice.
  await page.goto(`${server.url}/executions/view-1?po.${encodeURIComponent('group:schedule')}=lx,ly&from=2000&to=8000&x=step`);
  await expect.poll(async () => JSON.parse((await chart.getAttribute('data-x-ticks')) ?? '[]')).toEqual(expect.arrayContaining(['2000', '5000']));
  const x = JSON.parse((await chart.getAttribute('data-x-ticks'))!) as string[];
  expect(new Set(x).size).toBe(x.length);
  // lr spans 0.0135…0.1 on Log y: labelled values inside that decade, not a single "0.1".
  const y = (await yTicks(page, 'schedule'))[0]!;
  expect(y.length).toBeGreaterThanOrEqual(2);
  await screenshots(page, 'view-log-minor-ticks');
});

test('the page bar and a panel\u2019s options fit a 390 px wide screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 900 });
  await ready(page, `/executions/view-1?po=s0.6%2Cly&yr.${encodeURIComponent('group:training')}=o`);
  const bar = page.getByRole('toolbar', { name: 'All panels' });
  const barBox = (await bar.boundingBox())!;
  expect(barBox.x + barBox.width).toBeLessThanOrEqual(390);
  for (const control of [bar.getByRole('slider', { name: 'Smoothing' }), bar.getByRole('button', { name: 'Copy link' })]) {
    const b = (await control.boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width).toBeLessThanOrEqual(390);
  }
  await region(page, 'training').getByRole('button', { name: 'Panel options' }).click();
  const dialog = region(page, 'training').getByRole('dialog');
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await screenshots(page, 'view-controls-390');
});

test('the page bar sets the smoothing algorithm, Log x and the y range of every panel, kept in the URL; reload restores', async ({ page }) => {
  await ready(page, '/executions/view-1');
  const bar = page.getByRole('toolbar', { name: 'All panels' });
  const charts = page.locator('[role="region"] .chart');
  await bar.getByRole('slider', { name: 'Smoothing' }).fill('0.9');
  await expect(region(page, 'training').locator('[data-smoothing="ema:0.9"]')).toHaveCount(1);
  const ema = await pixels(page, 'training');
  // The same select as in Panel options.
  await bar.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption('gaussian');
  await expect(page).toHaveURL(/[?&]po=s0\.9%2Cagaussian(&|$)/);
  for (const name of ['training', 'schedule']) await expect(region(page, name).locator('[data-smoothing="gaussian:0.9"]')).toHaveCount(1);
  expect(await pixels(page, 'training')).not.toBe(ema);

  const linear = await region(page, 'schedule').locator('.chart').getAttribute('data-x-ticks');
  await bar.getByRole('checkbox', { name: 'Log x' }).check();
  await expect(page).toHaveURL(/[?&]po=s0\.9%2Cagaussian%2Clx(&|$)/);
  await expect(region(page, 'schedule').locator('.chart')).not.toHaveAttribute('data-x-ticks', linear!);
  // Powers of ten on the log x axis.
  expect(JSON.parse((await region(page, 'schedule').locator('.chart').getAttribute('data-x-ticks'))!)).toEqual(expect.arrayContaining(['1', '10', '100', '1000', '10000']));

  const ticks = await yTicks(page, 'training');
  await bar.getByRole('combobox', { name: 'Y range' }).selectOption('outliers');
  await expect(page).toHaveURL(/[?&]yr=o(&|$)/);
  // The spikes (5000) are left out of the training panel's range.
  await expect.poll(() => yTicks(page, 'training')).not.toEqual(ticks);
  expect(Math.max(...(await yTicks(page, 'training'))[0]!.map(Number).filter(Number.isFinite))).toBeLessThan(5000);
  await expect(region(page, 'training').getByText(/outside the y range: clipped/)).toBeVisible();
  await expect(charts).toHaveCount(2);
  await screenshots(page, 'view-page-bar-algorithm');

  await page.reload();
  const bar2 = page.getByRole('toolbar', { name: 'All panels' });
  await expect(bar2.getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('gaussian');
  await expect(bar2.getByRole('checkbox', { name: 'Log x' })).toBeChecked();
  await expect(bar2.getByRole('combobox', { name: 'Y range' })).toHaveValue('outliers');
  await expect(region(page, 'schedule').locator('[data-smoothing="gaussian:0.9"]')).toHaveCount(1);
  // A panel's own options follow the page; a panel set to Auto keeps it over the page's "ignore outliers".
  await region(page, 'training').getByRole('button', { name: 'Panel options' }).click();
  const own = region(page, 'training').getByRole('dialog');
  await expect(own.getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('gaussian');
  await expect(own.getByRole('radio', { name: 'Ignore outliers' })).toBeChecked();
  await own.getByRole('radio', { name: 'Auto' }).check();
  await expect(page).toHaveURL(/yr\.[^=]*training[^=]*=a(&|$)/);
  await expect(region(page, 'training').getByText(/outside the y range: clipped/)).toHaveCount(0);
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  await screenshots(page, 'view-page-bar-algorithm-390');
});
