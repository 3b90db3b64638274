import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// The page bar, navigation, y ranges and "Copy link" (issue #17), on a real server and browser.
let server: StudioServer;
const N = 4000;
const xs = Array.from({ length: N }, (_, i) => i + 1);
// A decay over three decades with a few spikes that "ignore outliers" leaves out of the range.
const loss = xs.map((x) => (x % 500 === 0 ? 5000 : Number((1000 * Math.exp(-x / 600) * (1 + 0.3 * Math.sin(x * 1.3))).toPrecision(10))));
const lr = xs.map((x) => Number((0.1 * Math.exp(-x / 2000)).toPrecision(10)));

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
  expect((await yTicks(page, 'training'))[0]).toEqual(expect.arrayContaining(['10', '100', '1000']));

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
