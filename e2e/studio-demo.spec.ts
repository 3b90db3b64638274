import { expect, test, type Page } from '@playwright/test';
import { screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// The demo (`plotline serve --demo`) records through the real SDK, with record times for the points it records with
// `at` (steps, epochs, tokens), so every X-axis choice of every demo chart works: none is disabled.
let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb(), 0, ['--demo']);
});

test.afterAll(async () => {
  await server?.stop();
});

/** The X axis choices of a panel as [label, disabled]. */
async function xAxisChoices(page: Page, name: string): Promise<Array<[string, boolean]>> {
  const panel = page.getByRole('region', { name });
  await expect(panel.locator('canvas')).toHaveCount(1, { timeout: 30_000 });
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const choices = panel.getByRole('dialog').getByRole('combobox', { name: 'X axis' }).locator('option');
  const states = await choices.evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).label, (o as HTMLOptionElement).disabled] as [string, boolean]));
  await panel.getByRole('button', { name: 'Panel options' }).click();
  return states;
}

test('every X-axis choice of every demo panel is available, and wall time draws clock ticks on the step axis', async ({ page }) => {
  await page.goto(server.url);
  await page.getByRole('link', { name: /train-/ }).first().click({ timeout: 15_000 });
  expect(await xAxisChoices(page, 'steps')).toEqual([['step', false], ['relative time', false], ['wall time', false]]);
  expect(await xAxisChoices(page, 'system')).toEqual([['relative time', false], ['wall time', false]]);
  // The first epoch ends after 40 steps (6 s).
  expect(await xAxisChoices(page, 'training')).toEqual([['epoch', false], ['relative time', false], ['wall time', false]]);

  const steps = page.getByRole('region', { name: 'steps' });
  await steps.getByRole('button', { name: 'Panel options' }).click();
  await steps.getByRole('dialog').getByRole('combobox', { name: 'X axis' }).selectOption('wall');
  await steps.getByRole('button', { name: 'Panel options' }).click();
  await expect.poll(async () => JSON.parse((await steps.locator('.chart').getAttribute('data-x-ticks'))!) as string[])
    .toEqual(expect.arrayContaining([expect.stringMatching(/^\d{1,2}:\d{2}(:\d{2})?/)]));
  await screenshots(page, 'demo-steps-wall-time');

  await page.goto(server.url);
  await page.getByRole('link', { name: /predict-/ }).first().click({ timeout: 15_000 });
  expect(await xAxisChoices(page, 'generation')).toEqual([['token', false], ['relative time', false], ['wall time', false]]);
  // The page's bar offers what its panels can show: a page of token and step axes with record times has wall time too.
  const bar = page.getByRole('toolbar', { name: 'All panels' });
  const barChoices = await bar.getByRole('combobox', { name: 'X axis' }).locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).label, (o as HTMLOptionElement).disabled]));
  expect(barChoices).toEqual([["each group's units", false], ['relative time', false], ['wall time', false]]);
  await bar.getByRole('combobox', { name: 'X axis' }).selectOption('wall');
  const generation = page.getByRole('region', { name: 'generation' });
  await expect.poll(async () => JSON.parse((await generation.locator('.chart').getAttribute('data-x-ticks'))!) as string[])
    .toEqual(expect.arrayContaining([expect.stringMatching(/^\d{1,2}:\d{2}(:\d{2})?/)]));
  await screenshots(page, 'demo-prediction-wall-time');
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  await screenshots(page, 'demo-prediction-wall-time-390');
});
