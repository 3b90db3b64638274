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
  redrawsPerSecond: number;
}

/**
 * Frame-to-frame times and long tasks over `seconds` of the page's animation frames, and how often charts redrew their
 * data (each redraw writes the chart's `data-y-ticks`, UPlotChart.tsx).
 */
export async function measureFrames(page: Page, seconds: number): Promise<Frames> {
  const frames = await page.evaluate((ms) => new Promise<{ deltas: number[]; longTasks: number[]; redraws: number }>((resolve) => {
    const deltas: number[] = [];
    const longTasks: number[] = [];
    let redraws = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); }).observe({ type: 'longtask' as never, buffered: false });
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
        resolve({ deltas, longTasks, redraws });
      }
    };
    requestAnimationFrame(loop);
  }), seconds * 1000);
  const sorted = frames.deltas.slice(1).sort((a, b) => a - b);
  const dropped = sorted.filter((d) => d > 1.5 * FRAME_MS).length;
  return { p95: percentile(sorted, 95), dropped: sorted.length ? dropped / sorted.length : 0, frames: sorted.length, longTasks: frames.longTasks, redrawsPerSecond: frames.redraws / seconds };
}
