/// <reference lib="dom" />
/**
 * Frames of the execution page while series stream (`npm run bench:studio`, part 2): each run opens the page, lets the
 * first live events settle, then measures frame times and long tasks while recording a Chromium trace, from which come
 * the page main thread's CPU ms per second (thread time: on a loaded machine it compares builds far better than frame
 * times) and what each task over 50 ms was. With an earlier studio build (`--baseline-studio DIR`), the earlier and this
 * build are measured in turns (before, after, after, before: a linear drift of load or of the data's size cancels out).
 */
import type { Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './machine.js';
import { profileDuring } from './profile.js';
import { useStudioFrom } from './studio-services.js';
import { FRAME_MS, longFrameLine, measureFrames, waitForPanels, type Frames } from './studio-wait.js';
import { longTaskLine, longTasks, MEASURE_CATEGORIES, summariseMainThread, type LongTask } from './trace-summary.js';

export interface StreamingOptions {
  serverUrl: string;
  /** Seconds of frames per run. */
  seconds: number;
  /** Where traces go (`<name>-<variant>-<run>.trace.json`). */
  traceDir: string;
  /** Record a CPU profile and JS samples too (`--profile`): costlier for the page, so only for finding what to fix. */
  profile: boolean;
  /** An earlier `dist/studio` to measure in turns with this build; null: this build alone, one run. */
  baseline: string | null;
  /**
   * Record the trace the CPU figures come from (default). Tracing itself costs the page main-thread time and adds long
   * tasks, so `--untraced` measures frame times and long tasks as a user's tab has them (CPU figures then print NaN).
   */
  trace: boolean;
  /** Seconds the page follows the stream before its frames are measured (a live window that has filled). */
  warmSeconds: number;
}

interface Run extends Frames {
  cpu: number;
  busy: number;
  kinds: { commit: number; layout: number; js: number; gc: number };
  tasks: LongTask[];
  load: number;
}

const GC = /^(MajorGC|MinorGC|V8\.GC)/;

/** One traced run of `seconds` on the page as it is. */
async function tracedRun(page: Page, name: string, opts: StreamingOptions): Promise<Run> {
  const path = join(opts.traceDir, `${name}.trace.json`);
  let frames: Frames;
  if (!opts.trace && !opts.profile) {
    frames = await measureFrames(page, opts.seconds);
    const none = { commit: NaN, layout: NaN, js: NaN, gc: NaN };
    return { ...frames, cpu: NaN, busy: NaN, kinds: none, tasks: [], load: loadavg()[0]! };
  }
  if (opts.profile) frames = await profileDuring(opts.traceDir, page, name, () => measureFrames(page, opts.seconds));
  else {
    const browser = page.context().browser()!;
    await browser.startTracing(page, { path, screenshots: false, categories: MEASURE_CATEGORIES });
    try {
      frames = await measureFrames(page, opts.seconds);
    } finally {
      await browser.stopTracing();
    }
  }
  const trace = JSON.parse(readFileSync(path, 'utf8'));
  const main = summariseMainThread(trace);
  const of = (f: (name: string) => boolean) => (main?.byName ?? []).filter((n) => f(n.name)).reduce((a, n) => a + n.cpuMsPerSecond, 0);
  return {
    ...frames,
    cpu: main?.cpuMsPerSecond ?? NaN,
    busy: main?.busyMsPerSecond ?? NaN,
    kinds: {
      commit: of((n) => n === 'Commit'),
      layout: of((n) => ['Layout', 'UpdateLayoutTree', 'PrePaint', 'Paint', 'Layerize'].includes(n)),
      js: of((n) => ['FunctionCall', 'FireAnimationFrame', 'TimerFire', 'RunMicrotasks', 'EventDispatch', 'V8.Execute'].includes(n)),
      gc: of((n) => GC.test(n)),
    },
    tasks: longTasks(trace),
    load: loadavg()[0]!,
  };
}

/**
 * Measures the page `path` of a running execution (`panels` panels) and prints the figures under `title`; `name` names
 * the trace files.
 */
export async function streamingFrames(page: Page, path: string, panels: number, title: string, name: string, opts: StreamingOptions): Promise<void> {
  mkdirSync(opts.traceDir, { recursive: true });
  const variants = opts.baseline
    ? [{ name: 'before', studio: opts.baseline }, { name: 'after', studio: fileURLToPath(new URL('../studio', import.meta.url)) }]
    : [{ name: 'this build', studio: null }];
  // ABBA: before, after, after, before.
  const order = opts.baseline ? [variants[0]!, variants[1]!, variants[1]!, variants[0]!] : variants;
  const runs = new Map(variants.map((v) => [v.name, [] as Run[]]));
  for (const [i, v] of order.entries()) {
    await useStudioFrom(page, opts.serverUrl, v.studio);
    await page.goto(`${opts.serverUrl}${path}`);
    await waitForPanels(page, panels);
    // The first live events after the page opened (the tail since history) are not the steady state.
    await page.waitForTimeout(2000 + opts.warmSeconds * 1000);
    runs.get(v.name)!.push(await tracedRun(page, `${name}-${v.name.replace(/\s+/g, '-')}-${i + 1}`, opts));
  }
  await useStudioFrom(page, opts.serverUrl, null);
  const rows: Array<[string, string, string]> = [];
  for (const v of variants) {
    const rs = runs.get(v.name)!;
    const each = (f: (r: Run) => string) => rs.map(f).join(' / ');
    const prefix = variants.length > 1 ? `${v.name}: ` : '';
    rows.push(
      [`${prefix}frame time p95, ms`, each((r) => r.p95.toFixed(2)), `target ≤ ${FRAME_MS.toFixed(1)}`],
      // The page's clock is coarsened to 0.1 ms, so a steady 60 Hz reads 16.6, 16.7 or 16.8 ms: a p95 of 16.8 is one frame.
      [`${prefix}… in 60 Hz frames (page clock resolution 0.1 ms)`, each((r) => String(Math.round(r.p95 / FRAME_MS))), 'target 1'],
      [`${prefix}dropped frames (> 1.5 × ${FRAME_MS.toFixed(1)} ms), % of frames`, each((r) => (r.dropped * 100).toFixed(1)), ''],
      [`${prefix}long tasks over 50 ms (page observer)`, each((r) => String(r.longTasks.filter((d) => d > 50).length)), 'target 0'],
      [`${prefix}longest task, ms`, each((r) => (r.longTasks.length ? Math.max(...r.longTasks) : 0).toFixed(0)), ''],
      [`${prefix}chart redraws per second (all panels)`, each((r) => r.redrawsPerSecond.toFixed(0)), ''],
      [`${prefix}main-thread CPU, ms per s (trace, thread time)`, each((r) => r.cpu.toFixed(0)), ''],
      [`${prefix}main-thread CPU per chart redraw, ms (the redraw rate adapts to load: compare this too)`, each((r) => (r.redrawsPerSecond > 0 ? r.cpu / r.redrawsPerSecond : NaN).toFixed(1)), ''],
      [`${prefix}… of which JS / commit (canvas raster) / style+layout+paint / GC`, each((r) => [r.kinds.js, r.kinds.commit, r.kinds.layout, r.kinds.gc].map((x) => x.toFixed(0)).join(' ')), ''],
      [`${prefix}main thread busy, ms per s (trace, wall)`, each((r) => r.busy.toFixed(0)), ''],
      [`${prefix}tasks over 50 ms in the trace (wall) / of them over 50 ms CPU`, each((r) => `${r.tasks.length}/${r.tasks.filter((t) => t.cpu > 50).length}`), ''],
      [`${prefix}load average (1 min) at the end of each run`, each((r) => r.load.toFixed(1)), ''],
    );
  }
  report(`${title}, ${opts.seconds} s of frames per run; traces in ${opts.traceDir}`, rows);
  for (const v of variants) {
    runs.get(v.name)!.forEach((r, i) => {
      if (r.longFrames.length === 0) return;
      console.log(`  ${v.name}, run ${i + 1}: animation frames over 50 ms (page observer; a script's source is its function's offset in the bundle)`);
      for (const f of r.longFrames.slice(0, 12)) console.log(`    ${longFrameLine(f)}`);
    });
  }
  for (const v of variants) {
    runs.get(v.name)!.forEach((r, i) => {
      if (r.tasks.length === 0) return;
      console.log(`  ${v.name}, run ${i + 1}: tasks over 50 ms (wall), largest self times`);
      for (const t of r.tasks.slice(0, 12)) console.log(`    ${longTaskLine(t)}`);
      if (r.tasks.length > 12) console.log(`    … ${r.tasks.length - 12} more`);
    });
  }
}
