import type { Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { report } from './machine.js';
import { mainThreadRows, MEASURE_CATEGORIES, summariseMainThread } from './trace-summary.js';

/**
 * Records `during` with a Chromium trace and a CPU profile when `profileDir` is given (`--profile DIR`; files named `name` in it),
 * and prints the page's functions by self time.
 */
export async function profileDuring<T>(profileDir: string | null, page: Page, name: string, during: () => Promise<T>): Promise<T> {
  if (!profileDir) return during();
  mkdirSync(profileDir, { recursive: true });
  const browser = page.context().browser()!;
  await browser.startTracing(page, { path: join(profileDir, `${name}.trace.json`), screenshots: false, categories: MEASURE_CATEGORIES });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  try {
    return await during();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    await browser.stopTracing();
    await cdp.detach();
    writeFileSync(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
    printTopFunctions(name, profile);
    const summary = summariseMainThread(JSON.parse(readFileSync(join(profileDir, `${name}.trace.json`), 'utf8')));
    if (summary) report(`  ${name}: the page's main thread in the trace (sampling profiler on: add its cost)`, mainThreadRows(summary));
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** The 15 functions with the most self time in a CPU profile (the page's main thread). */
function printTopFunctions(name: string, profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
    const dt = profile.timeDeltas?.[i] ?? 0;
    total += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  console.log(`
  ${name}: functions by self time (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`    ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
