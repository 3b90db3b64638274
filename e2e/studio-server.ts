import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { spawnServer } from '../test/helpers/server.js';

/** Helpers of the studio e2e specs: a real `plotline serve` child process, raw ingest, screenshots. */

export const SCREENSHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));

export interface StudioServer {
  url: string;
  port: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'plotline-studio-')), 'plotline.db');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the built CLI (the same helper the integration tests use); resolves once it prints the studio URL. */
export async function startStudioServer(db: string, port = 0, args: string[] = []): Promise<StudioServer> {
  const server = await spawnServer(['--db', db, ...(port ? ['--port', String(port)] : []), ...args]);
  return { url: server.url, port: Number(new URL(server.url).port), stop: (signal) => server.kill(signal) };
}

export async function ingest(url: string, batch: unknown): Promise<void> {
  const res = await fetch(`${url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
  if (!res.ok) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
}

/** Full-page screenshots in both color schemes, into test-results/screenshots/ (looked at by people, not compared). */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  // Charts are rebuilt with the scheme's colors; let that settle before the test goes on.
  await page.waitForTimeout(300);
}
