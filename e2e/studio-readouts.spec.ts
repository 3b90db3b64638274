import { expect, test, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import { ingest, screenshots, SCREENSHOTS, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// Legend and tooltip readouts a fresh user found wrong (tester 9, session 2026-12-02): values after a zoom with no data
// in view, the legend after a wheel zoom, the clipped count of a fixed y range, the smoothed tooltip at 390 px and the
// legend at the cursor with smoothing on.
let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
});

test.afterAll(async () => {
  await server?.stop();
});

const group = { name: 'g', units: 'step' };
/** A noisy value at step s, so smoothing and reduction visibly change what is read. */
const noisy = (s: number) => 0.5 * Math.sin(s * 0.9) + (((s * 7919) % 13) / 13 - 0.5) + Math.sin(s / 5000);

async function longRun(id: string, n: number, y: (i: number) => number): Promise<void> {
  const x = Array.from({ length: n }, (_, i) => i);
  await ingest(server.url, { executions: [{ id, start: { name: id }, definitions: [{ key: 'v', group }], points: [{ key: 'v', x, y: x.map(y) }], end: { status: 'succeeded' } }] });
}

/** The tooltip's lead value and the legend's value of the first line, as shown. */
async function readouts(panel: Locator): Promise<{ tip: string; legend: string }> {
  return panel.evaluate((el: HTMLElement) => ({
    // The value without " at <x>" (said when read from reduced points at another x than the cursor's).
    tip: el.querySelector<HTMLElement>('.chart-tooltip')?.style.display === 'none' ? '' : (el.querySelector('.chart-tooltip-value')?.textContent ?? '').split(' at ')[0]!,
    legend: el.querySelector('.legend-value-text')?.textContent ?? '',
  }));
}

async function hover(page: Page, panel: Locator, fx: number): Promise<void> {
  const box = (await panel.locator('.u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * fx, box.y + box.height / 2);
}

test('latest values after a zoom into an x range with no data read as themselves, with 4 significant digits', async ({ page }) => {
  const id = 'fmt-repro';
  await ingest(server.url, {
    executions: [{
      id, start: { name: id }, definitions: ['a', 'b', 'c'].map((key) => ({ key, group })),
      points: [
        { key: 'a', x: [0, 1, 2], y: [1, 2, 8.672652948291765e280] },
        { key: 'b', x: [0, 1, 2], y: [1, 2, 2.7524547041923283e-83] },
        { key: 'c', x: [0, 1, 2], y: [1, 2, 57756582067547180000] },
      ],
      end: { status: 'succeeded' },
    }],
  });
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/executions/${id}?from=10&to=20&x=step`);
    const values = page.getByRole('region', { name: 'g' }).locator('.legend-value-text');
    // Were `8.672652948291765e+28` (a wrong exponent), `0.0000…02752` (85 characters) and `57,756,582,067,547,176,960`.
    await expect(values).toHaveText([/^8\.67(3|27)\d*e280$/, /^2\.752\d*e-83$/, /^5\.77(6|57\d*)e19$/]);
    await screenshots(page, `readouts-empty-zoom-${width}`);
  }
});

test('after a wheel zoom under a still mouse, the legend at the cursor reads what the tooltip reads', async ({ page }) => {
  await longRun('wheel-read', 100_000, (i) => Math.sin(i / 5000));
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${server.url}/executions/wheel-read`);
  const panel = page.getByRole('region', { name: 'g' });
  await expect(panel.locator('.chart')).toHaveAttribute('data-y-ticks', /\d/);
  await hover(page, panel, 0.5);
  await expect.poll(async () => (await readouts(panel)).tip).not.toBe('');
  const before = await readouts(panel);
  expect(before.legend).toBe(before.tip);
  const refined = page.waitForResponse((r) => r.url().includes('from='));
  await page.mouse.wheel(0, -400);
  await refined;
  // The refined points arrive with the mouse still: both read the same point of them (the legend was the coarse one's).
  await expect.poll(async () => { const r = await readouts(panel); return r.tip !== '' && r.tip === r.legend; }, { timeout: 5000 }).toBe(true);
  await page.waitForTimeout(1000);
  const after = await readouts(panel);
  expect(after.legend).toBe(after.tip);
  await screenshots(page, 'readouts-wheel-1440');
});

test('a fixed y range counts every stored value it clips, not the reduced points drawn', async ({ page }) => {
  const n = 99_993;
  const y = (i: number) => Math.sin(i * 0.731) * 1.2 + ((i * 7919) % 13) / 13 - 0.5;
  await longRun('fixed-count', n, y);
  let outside = 0;
  for (let i = 0; i < n; i++) if (y(i) < -0.5 || y(i) > 0.5) outside++;
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${server.url}/executions/fixed-count?yr.${encodeURIComponent('group:g')}=-0.5:0.5`);
  const note = page.getByRole('region', { name: 'g' }).locator('.panel-clip-note');
  // Was "741 values are outside the y range" (the reduced points drawn) with ~66,000 of the stored ones outside.
  await expect(note).toHaveText(`${outside.toLocaleString('en-US')} values are outside the y range: clipped, marked ▲▼ at the edge.`, { timeout: 15_000 });
  await screenshots(page, 'readouts-fixed-count-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await screenshots(page, 'readouts-fixed-count-390');
});

test('smoothing on: the legend at the cursor shows the tooltip\'s lead (smoothed) value; at 390 px no value is cut', async ({ page }) => {
  await longRun('smooth-read', 100_000, noisy);
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/executions/smooth-read?po=s0.9`);
    const panel = page.getByRole('region', { name: 'g' });
    await expect(panel.locator('.chart')).toHaveAttribute('data-smoothing', 'ema:0.9', { timeout: 15_000 });
    for (const fx of [0.13, 0.42, 0.77]) {
      await hover(page, panel, fx);
      await expect(panel.locator('.chart-tooltip-note')).toHaveText(/^raw -?[\d.]+( at [\d,]+ step)?$/);
      // Was the raw value of the held point before the cursor (another x) in the legend, the smoothed one in the tooltip.
      await expect.poll(async () => { const r = await readouts(panel); return r.tip !== '' && r.legend === r.tip; }).toBe(true);
      // Every value whole: no value text wider than its box or outside the tooltip (names give way, never values).
      const cut = await panel.evaluate((el: HTMLElement) => {
        const tip = el.querySelector('.chart-tooltip')!.getBoundingClientRect();
        return Array.from(el.querySelectorAll<HTMLElement>('.chart-tooltip-value, .chart-tooltip-note'))
          .filter((v) => v.scrollWidth > v.clientWidth + 0.5 || v.getBoundingClientRect().right > tip.right + 0.5 || v.getBoundingClientRect().left < tip.left - 0.5)
          .map((v) => v.textContent);
      });
      expect(cut, `${width} px at ${fx}`).toEqual([]);
    }
    await screenshots(page, `readouts-smoothed-tooltip-${width}`);
    // With the tooltip showing, in both schemes (a scheme change makes the chart anew, which hides it).
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(300);
      await hover(page, panel, 0.75);
      await hover(page, panel, 0.77);
      await expect(panel.locator('.chart-tooltip-note')).toBeVisible();
      await page.screenshot({ path: join(SCREENSHOTS, `readouts-smoothed-tooltip-hover-${width}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }
});
