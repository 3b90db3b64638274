/**
 * What a page's main thread did during a Chromium trace (Playwright's `browser.startTracing`, Chrome's Trace Event
 * Format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU): the busy time of its
 * top-level tasks per second of trace and its tasks over 50 ms. On a loaded machine frame times mostly say how busy the
 * other processes were; CPU ms the page's own thread spent per second of live time compare two builds fairly.
 */

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

/** Top-level tasks, as Chromium names them in the `toplevel` category (the DevTools "Task" rows). */
const TASK_NAMES = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'ThreadPool_RunTask']);

export interface MainThreadSummary {
  /** Busy ms of the main thread per second of the traced span. */
  busyMsPerSecond: number;
  /** Durations of top-level tasks over 50 ms, ms. */
  longTasks: number[];
  /** The traced span, s. */
  seconds: number;
}

/**
 * Summarises the renderer main thread (`CrRendererMain`) that was busiest in `trace` (the page's; an idle about:blank
 * renderer may be traced too). Nested tasks count once, as their outermost task.
 */
export function summariseMainThread(trace: { traceEvents: TraceEvent[] } | TraceEvent[]): MainThreadSummary {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasksByThread = new Map<string, TraceEvent[]>();
  let first = Infinity, last = -Infinity;
  for (const e of events) {
    if (e.ph === 'M' || !(e.ts > 0)) continue;
    first = Math.min(first, e.ts);
    last = Math.max(last, e.ts + (e.dur ?? 0));
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !TASK_NAMES.has(e.name) || !mains.has(key)) continue;
    let list = tasksByThread.get(key);
    if (!list) tasksByThread.set(key, (list = []));
    list.push(e);
  }
  let best = { busy: 0, longTasks: [] as number[] };
  for (const tasks of tasksByThread.values()) {
    tasks.sort((a, b) => a.ts - b.ts);
    let busy = 0, end = -Infinity;
    const longTasks: number[] = [];
    for (const t of tasks) {
      if (t.ts < end) continue;
      const dur = t.dur ?? 0;
      end = t.ts + dur;
      busy += dur;
      if (dur > 50_000) longTasks.push(dur / 1000);
    }
    if (busy > best.busy) best = { busy, longTasks };
  }
  const seconds = last > first ? (last - first) / 1e6 : 0;
  return { busyMsPerSecond: seconds > 0 ? best.busy / 1000 / seconds : 0, longTasks: best.longTasks, seconds };
}
