import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

/**
 * Every page at 390 px (a phone), light and dark: no control is clipped, none touches the screen's edge, none lies over
 * another (issue #20; the header's "Live" pill touched the right edge).
 */

let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  for (const [id, lr] of [['narrow-a', '0.1'], ['narrow-b', '0.01']] as const) {
    await ingest(server.url, {
      executions: [{
        id, start: { name: `sweep ${id}`, labels: { model: 'resnet50', lr } },
        definitions: [
          { key: 'loss', group: { name: 'train', units: 'step' } }, { key: 'acc', group: { name: 'train', units: 'step' } },
          { key: 'epochs', group: { name: 'train', units: 'step' }, scale: { progress: true, upper: 10 } },
        ],
        points: [
          { key: 'loss', x: [0, 1, 2, 3], y: [2, 1.5, 1.2, 1.1] }, { key: 'acc', x: [0, 1, 2, 3], y: [0.1, 0.5, 0.7, 0.8] },
          { key: 'epochs', x: [0, 1, 2, 3], y: [0, 1, 2, 3] },
        ],
        summary: [{ key: 'acc', value: 0.8, mode: 'replace' }, { key: 'timing.inference', value: 0.02, mode: 'replace' }],
      }],
    });
  }
  const lines = ['http.server.request.duration:0.02|d|#service:checkout,http.response.status_code:200,host:a',
    'http.server.request.duration:0.5|d|#service:checkout,http.response.status_code:500,host:b', 'queue.depth:4|g|#service:checkout,host:a'];
  expect((await fetch(`${server.url}/api/ingest/statsd`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: lines.join('\n') })).status).toBe(200);
});

test.afterAll(async () => {
  await server?.stop();
});

/** Clearance a control keeps from the screen's left and right edges, CSS px. */
const EDGE = 4;

/**
 * Visible controls (links, buttons, inputs, selects, the connection pill) that touch or cross the viewport's side edges,
 * are cut by an ancestor that clips (not one meant to scroll sideways, like a wide table), or lie over another control.
 */
async function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate((edge) => {
    const faults: string[] = [];
    const name = (el: Element) => `${el.tagName.toLowerCase()} “${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}”`;
    const scrollsSideways = (el: Element) => {
      const s = getComputedStyle(el);
      return (s.overflowX === 'auto' || s.overflowX === 'scroll') && el.scrollWidth > el.clientWidth;
    };
    const controls = Array.from(document.querySelectorAll('a[href], button, input, select, textarea, [role="status"]')).filter((el) => {
      const r = el.getBoundingClientRect();
      // Rendered (not in a closed menu), and not a chart's own overlay nor text for assistive tech only.
      return r.width > 0 && r.height > 0 && el.checkVisibility({ visibilityProperty: true }) && !el.closest('.uplot, .sr-only');
    });
    const boxes = controls.map((el) => ({ el, r: el.getBoundingClientRect() }));
    for (const { el, r } of boxes) {
      let inScroller = false;
      for (let a = el.parentElement; a; a = a.parentElement) {
        if (scrollsSideways(a)) {
          inScroller = true;
          break;
        }
        const s = getComputedStyle(a);
        if (s.overflowX === 'hidden' || s.overflowX === 'clip') {
          const ar = a.getBoundingClientRect();
          if (r.left < ar.left - 0.5 || r.right > ar.right + 0.5) faults.push(`${name(el)} is clipped by ${a.className || a.tagName}`);
        }
      }
      if (inScroller) continue;
      if (r.left < edge || r.right > innerWidth - edge) faults.push(`${name(el)} touches the screen edge (${Math.round(r.left)}–${Math.round(r.right)} of ${innerWidth})`);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 1) faults.push(`${name(a.el)} overlaps ${name(b.el)}`);
      }
    }
    return faults;
  }, EDGE);
}

const PAGES: Array<{ name: string; path: string; ready: (page: Page) => Promise<void>; open?: (page: Page) => Promise<void> }> = [
  {
    name: 'runs', path: '/', ready: (p) => expect(p.getByRole('link', { name: /sweep narrow-a/ })).toBeVisible(),
    open: async (p) => {
      await p.getByText('Columns', { exact: true }).click();
      await expect(p.getByRole('searchbox', { name: 'Search columns' })).toBeVisible();
    },
  },
  {
    name: 'execution', path: '/executions/narrow-a', ready: (p) => expect(p.getByRole('region', { name: 'train' }).locator('canvas')).toHaveCount(1),
    open: (p) => openPanelOptions(p, 'train'),
  },
  {
    name: 'compare', path: '/compare?ids=narrow-a,narrow-b', ready: (p) => expect(p.getByRole('region', { name: 'train' }).locator('canvas')).toHaveCount(1),
    open: (p) => openPanelOptions(p, 'train'),
  },
  { name: 'services', path: '/services', ready: (p) => expect(p.getByRole('link', { name: 'checkout' })).toBeVisible() },
  { name: 'service', path: '/services/checkout', ready: (p) => expect(p.getByRole('region', { name: 'Request rate' }).locator('canvas')).toHaveCount(1) },
];

async function openPanelOptions(page: Page, panel: string): Promise<void> {
  const region = page.getByRole('region', { name: panel });
  await region.getByRole('button', { name: 'Panel options' }).click();
  await expect(region.getByRole('dialog')).toBeVisible();
}

for (const { name, path, ready, open } of PAGES) {
  test(`390 px, light and dark: the ${name} page has no control clipped, touching the edge or over another`, async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${server.url}${path}`);
      await ready(page);
      await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
      expect(await layoutFaults(page), `${name} (${scheme})`).toEqual([]);
    }
    await screenshots(page, `narrow-390-${name}`);
    if (open) {
      // Its menu or popover open: within the screen too (the page underneath may lie under it).
      await open(page);
      const menu = page.locator('.column-menu, .panel-options-popover').first();
      const box = (await menu.boundingBox())!;
      expect(box.x, `${name}: menu's left`).toBeGreaterThanOrEqual(EDGE);
      expect(box.x + box.width, `${name}: menu's right`).toBeLessThanOrEqual(await page.evaluate(() => document.documentElement.clientWidth) - EDGE);
      await screenshots(page, `narrow-390-${name}-menu`);
    }
  });
}

test('390 px: the connection pill fits beside the navigation in every state (Connecting…, Reconnecting…, Offline)', async ({ page }) => {
  const own = await startStudioServer(tempDb());
  try {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${own.url}/services`);
    await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
    const seen: string[] = [];
    const check = async () => {
      const state = (await page.getByRole('status').first().textContent())!.trim();
      seen.push(state);
      expect(await layoutFaults(page), state).toEqual([]);
    };
    await check();
    await own.stop();
    await expect(page.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
    await check();
    await screenshots(page, 'narrow-390-reconnecting');
    await expect(page.getByRole('status').filter({ hasText: 'Offline' })).toBeVisible({ timeout: 20_000 });
    await check();
    expect(seen).toEqual(['Live', 'Reconnecting…', 'Offline']);
  } finally {
    await own.stop().catch(() => {});
  }
});

test('390 px: a tooltip over long series names shortens the names, never the values', async ({ page }) => {
  const keys = [0, 1, 2, 3].map((i) => `model.encoder.layers.${i}.self_attention.output_projection_component`);
  await ingest(server.url, {
    executions: [{
      id: 'narrow-tooltip', start: { name: 'narrow tooltip' },
      definitions: keys.map((key) => ({ key, group: { name: 'grads', units: 'step' } })),
      points: keys.map((key, i) => ({ key, x: [0, 1, 2, 3, 4], y: [0, 1, 2, 3, 4].map((s) => i + 0.987 + s * 1e-4) })),
    }],
  });
  await page.setViewportSize({ width: 390, height: 844 });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${server.url}/executions/narrow-tooltip`);
    const over = page.getByRole('region', { name: 'grads' }).locator('.u-over');
    await expect(over).toBeVisible();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect(page.locator('.chart-tooltip-value')).toHaveCount(4);
    // Each value whole (its text fits its box) and inside the tooltip; the label is what gives way.
    const cut = await page.evaluate(() => {
      const tip = document.querySelector('.chart-tooltip')!.getBoundingClientRect();
      return Array.from(document.querySelectorAll<HTMLElement>('.chart-tooltip-value'))
        .filter((v) => v.scrollWidth > v.clientWidth || v.getBoundingClientRect().right > tip.right - 1)
        .map((v) => v.textContent);
    });
    expect(cut, scheme).toEqual([]);
    await expect(page.locator('.chart-tooltip-value').first()).toHaveText(/^0\.98\d+$/);
    await screenshots(page, `narrow-390-tooltip-${scheme}`);
  }
});
