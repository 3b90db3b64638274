/// <reference lib="dom" />
import type { Page } from '@playwright/test';
import { percentile } from './machine.js';

/** Every chart's line layer has drawn the newest frame handed to it (chart/line-layer.ts `data-posted` / `data-drawn`). */
export function linesDrawn(): boolean {
  return Array.from(document.querySelectorAll<HTMLElement>('.u-lines')).every((c) => c.dataset.posted === c.dataset.drawn);
}

/** Resolves when every panel region has a drawn chart (a canvas, and its lines) and every history request of the page has been answered. */
export async function waitForPanels(page: Page, panels: number): Promise<void> {
  let started = 0;
  let finished = 0;
  const onRequest = (r: { url(): string }) => { if (r.url().includes('/series?')) started++; };
  const onDone = (r: { url(): string }) => { if (r.url().includes('/series?')) finished++; };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  try {
    await page.waitForFunction((n) => {
      const regions = Array.from(document.querySelectorAll('[role="region"]')).filter((r) => r.querySelector('canvas'));
      return regions.length >= n;
    }, panels, { timeout: 120_000, polling: 'raf' });
    const deadline = Date.now() + 120_000;
    while ((started === 0 || finished < started) && Date.now() < deadline) await page.waitForTimeout(5);
    // Two more frames so the last setData is on screen, and every line layer has drawn the newest frame it was given.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.waitForFunction(linesDrawn, undefined, { timeout: 120_000, polling: 'raf' });
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
}

/** A 60 Hz frame, ms. */
export const FRAME_MS = 1000 / 60;

/** Frame figures of a stretch of animation frames. */
export interface Frames {
  /** 95th percentile of the frame-to-frame times, ms. */
  p95: number;
  /**
   * Share (0–1) of frame-to-frame times over 1.5 frames (25 ms): a frame that was really dropped, as opposed to a
   * 16.8 ms interval that is only timer jitter around 16.7.
   */
  dropped: number;
  /** Frames measured. */
  frames: number;
  /** Durations of the long tasks the page's observer saw, ms. */
  longTasks: number[];
  /** The animation frames over 50 ms, with the scripts that ran in them (Long Animation Frames API): what a long task was. */
  longFrames: LongFrame[];
  redrawsPerSecond: number;
}

/**
 * One long animation frame as the page's `long-animation-frame` observer reports it (Chromium's Long Animation Frames
 * API, https://w3c.github.io/long-animation-frames/): ms since the run started, its length, how much of it was rendering
 * (style, layout, paint and the commit after the scripts), and each script over 5 ms (what invoked it, where it is).
 */
export interface LongFrame {
  at: number;
  ms: number;
  renderMs: number;
  scripts: Array<{ invoker: string; source: string; ms: number; forcedLayoutMs: number }>;
}

/** A long frame on one line: when, how long, rendering, and its scripts. */
export function longFrameLine(f: LongFrame): string {
  const scripts = f.scripts.map((s) => `${s.invoker} ${s.source} ${s.ms} ms${s.forcedLayoutMs > 0 ? ` (forced layout ${s.forcedLayoutMs})` : ''}`);
  return `at ${(f.at / 1000).toFixed(1)} s: ${f.ms} ms, rendering ${f.renderMs} ms; ${scripts.join('; ') || 'no script over 5 ms'}`;
}

/**
 * Frame-to-frame times and long tasks over `seconds` of the page's animation frames, and how often charts redrew their
 * data (each redraw writes the chart's `data-y-ticks`, UPlotChart.tsx).
 */
export async function measureFrames(page: Page, seconds: number): Promise<Frames> {
  const frames = await page.evaluate((ms) => new Promise<{ deltas: number[]; longTasks: number[]; longFrames: LongFrame[]; redraws: number }>((resolve) => {
    const deltas: number[] = [];
    const longTasks: number[] = [];
    const longFrames: LongFrame[] = [];
    let redraws = 0;
    const t0 = performance.now();
    new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); }).observe({ type: 'longtask' as never, buffered: false });
    interface Loaf { startTime: number; duration: number; renderStart: number; scripts: Array<{ invoker: string; sourceURL: string; sourceFunctionName: string; sourceCharPosition: number; duration: number; forcedStyleAndLayoutDuration: number }> }
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as Loaf[]) {
        if (e.duration <= 50) continue;
        longFrames.push({
          at: Math.round(e.startTime - t0),
          ms: Math.round(e.duration),
          renderMs: e.renderStart > 0 ? Math.round(e.startTime + e.duration - e.renderStart) : 0,
          scripts: e.scripts.filter((x) => x.duration > 5).map((x) => ({
            invoker: x.invoker,
            source: `${x.sourceFunctionName || '(anonymous)'} ${x.sourceURL.split('/').pop()}@${x.sourceCharPosition}`,
            ms: Math.round(x.duration),
            forcedLayoutMs: Math.round(x.forcedStyleAndLayoutDuration),
          })),
        });
      }
    }).observe({ type: 'long-animation-frame' as never, buffered: false });
    const mutations = new MutationObserver((list) => { redraws += list.length; });
    mutations.observe(document.body, { subtree: true, attributeFilter: ['data-y-ticks'] });
    let last = performance.now();
    const end = last + ms;
    const loop = (t: number) => {
      deltas.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(loop);
      else {
        mutations.disconnect();
        resolve({ deltas, longTasks, longFrames, redraws });
      }
    };
    requestAnimationFrame(loop);
  }), seconds * 1000);
  const sorted = frames.deltas.slice(1).sort((a, b) => a - b);
  const dropped = sorted.filter((d) => d > 1.5 * FRAME_MS).length;
  return { p95: percentile(sorted, 95), dropped: sorted.length ? dropped / sorted.length : 0, frames: sorted.length, longTasks: frames.longTasks, longFrames: frames.longFrames, redrawsPerSecond: frames.redraws / seconds };
}
