import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { spawnServer, type SpawnedServer } from '../test/helpers/server.js';
import { screenshots, tempDb } from './studio-server.js';

/** Issue 19, fault 9: a web page on another origin must not be able to write into Plotline; a token must guard everything. */

function evilPage(target: string): string {
  const batch = JSON.stringify({ executions: [{ id: 'evil-fetch', start: { name: 'evil' } }] });
  return `<!doctype html><html><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="POST" action="${target}/api/ingest" enctype="text/plain" target="sink">
  <input name='{"executions":[{"id":"evil-form","start":{"name":"evil","x":"' value='"}}]}'>
</form>
<form id="g" method="POST" action="${target}/api/ingest/cog" target="sink">
  <input name="id" value="evil-cog"><input name="status" value="succeeded">
</form>
<script>
  window.attempts = Promise.allSettled([
    fetch(${JSON.stringify(`${target}/api/ingest`)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(batch)} }),
    fetch(${JSON.stringify(`${target}/api/ingest`)}, { method: 'POST', mode: 'no-cors', body: new Blob([${JSON.stringify(batch)}], { type: 'application/json' }) }),
    fetch(${JSON.stringify(`${target}/api/ingest/cog`)}, { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(JSON.stringify({ id: 'evil-cog-fetch', status: 'succeeded' }))} }),
  ]).then(() => 'done');
  document.getElementById('f').submit();
  setTimeout(() => document.getElementById('g').submit(), 200);
</script></body></html>`;
}

function serveHtml(html: () => string): Promise<Server> {
  const s = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html());
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

test.describe('cross-site writes', () => {
  let plotline: SpawnedServer;
  let evil: Server;
  test.beforeAll(async () => {
    plotline = await spawnServer(['--db', tempDb()]);
    evil = await serveHtml(() => evilPage(plotline.url));
  });
  test.afterAll(async () => {
    await plotline?.kill();
    evil?.close();
  });

  test('a page on another origin with a form and no-cors fetches stores nothing', async ({ page }) => {
    const seen: number[] = [];
    page.on('response', (r) => { if (r.url().startsWith(plotline.url)) seen.push(r.status()); });
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    expect(await page.evaluate(() => (window as unknown as { attempts: Promise<string> }).attempts)).toBe('done');
    await page.waitForTimeout(800);
    // The form posts did reach the server (and were refused); the store is unchanged.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s === 403)).toBe(true);
    const list = await (await fetch(`${plotline.url}/api/executions`)).json();
    expect(list.executions).toEqual([]);
    // The same request from the server's own page is accepted.
    await page.goto(plotline.url);
    const own = await page.evaluate(async () => (await fetch('/api/ingest', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executions: [{ id: 'own', start: { name: 'own' } }] }),
    })).status);
    expect(own).toBe(200);
  });
});

test.describe('with --token', () => {
  const token = 's3cret-token';
  const readToken = 'r3ad-only';
  let plotline: SpawnedServer;
  test.beforeAll(async () => {
    plotline = await spawnServer(['--db', tempDb(), '--token', token, '--read-token', readToken]);
    await fetch(`${plotline.url}/api/ingest`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ executions: [{ id: 'guarded', start: { name: 'guarded-run' }, points: [{ key: 'loss', x: [1, 2, 3], y: [3, 2, 1] }] }] }),
    });
  });
  test.afterAll(() => plotline?.kill());

  test('every endpoint answers 401 without it, from the browser too', async ({ page }) => {
    await page.goto(`${plotline.url}/`);
    const statuses = await page.evaluate(async () => {
      const urls: Array<[string, RequestInit]> = [
        ['/api/health', {}], ['/api/executions', {}], ['/api/executions/guarded', {}], ['/api/executions/guarded/series?key=loss', {}],
        ['/api/stream', {}], ['/api/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"executions":[]}' }],
        ['/api/ingest/cog', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
      ];
      return Promise.all(urls.map(async ([u, init]) => (await fetch(u, init)).status));
    });
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401]);
  });

  test('the studio asks for the token once, keeps it, and streams with it', async ({ page }) => {
    await page.goto(`${plotline.url}/`);
    await expect(page.getByRole('heading', { name: 'This Plotline needs a token' })).toBeVisible();
    await screenshots(page, 'token-gate');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.screenshot({ path: 'test-results/screenshots/token-gate-390.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByLabel('Token').fill('wrong');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect(page.getByRole('alert')).toHaveText('That token was not accepted.');
    await page.getByLabel('Token').fill(readToken);
    await page.getByRole('button', { name: 'Open' }).click();
    await expect(page.getByRole('link', { name: /guarded-run/ })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText(/Live/);
    // Kept in the browser: a reload goes straight in, and the stream (EventSource, via the session cookie) is live.
    await page.reload();
    await expect(page.getByRole('link', { name: /guarded-run/ })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText(/Live/);
    await fetch(`${plotline.url}/api/ingest`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ executions: [{ id: 'later', start: { name: 'arrived-live' } }] }),
    });
    await expect(page.getByRole('link', { name: /arrived-live/ })).toBeVisible();
  });
});
