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
  /** Thread (CPU) time of an X event, µs: its wall time less the time the thread was not running. */
  tdur?: number;
  args?: { name?: string };
}

/** Top-level tasks, as Chromium names them in the `toplevel` category (the DevTools "Task" rows). */
const TASK_NAMES = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'ThreadPool_RunTask']);
/** What a task did, as reported per kind. */
const KINDS = new Set(['Commit', 'Paint', 'Layout', 'Layerize', 'PrePaint', 'UpdateLayoutTree', 'FireAnimationFrame', 'FunctionCall', 'MajorGC', 'MinorGC', 'TimerFire', 'EventDispatch']);

export interface MainThreadSummary {
  /** Busy (wall) ms of the main thread's tasks per second of the traced span. */
  busyMsPerSecond: number;
  /**
   * CPU ms of those tasks per second (their thread time): what the page cost, less the time a loaded machine kept its
   * thread waiting or descheduled.
   */
  cpuMsPerSecond: number;
  /** CPU ms per second by what the tasks did (Chromium's event names: Commit, Paint, Layout, FunctionCall, …; nested). */
  cpuByKind: Record<string, number>;
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
  const kindsByThread = new Map<string, Map<string, number>>();
  let first = Infinity, last = -Infinity;
  for (const e of events) {
    if (e.ph === 'M' || !(e.ts > 0)) continue;
    first = Math.min(first, e.ts);
    last = Math.max(last, e.ts + (e.dur ?? 0));
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !mains.has(key)) continue;
    if (KINDS.has(e.name)) {
      let kinds = kindsByThread.get(key);
      if (!kinds) kindsByThread.set(key, (kinds = new Map()));
      kinds.set(e.name, (kinds.get(e.name) ?? 0) + (e.tdur ?? e.dur ?? 0));
    }
    if (!TASK_NAMES.has(e.name)) continue;
    let list = tasksByThread.get(key);
    if (!list) tasksByThread.set(key, (list = []));
    list.push(e);
  }
  let best = { busy: 0, cpu: 0, longTasks: [] as number[], key: '' };
  for (const [key, tasks] of tasksByThread) {
    tasks.sort((a, b) => a.ts - b.ts);
    let busy = 0, cpu = 0, end = -Infinity;
    const longTasks: number[] = [];
    for (const t of tasks) {
      if (t.ts < end) continue;
      const dur = t.dur ?? 0;
      end = t.ts + dur;
      busy += dur;
      cpu += t.tdur ?? dur;
      if (dur > 50_000) longTasks.push(dur / 1000);
    }
    if (busy > best.busy) best = { busy, cpu, longTasks, key };
  }
  const seconds = last > first ? (last - first) / 1e6 : 0;
  const perSecond = (us: number) => (seconds > 0 ? us / 1000 / seconds : 0);
  const cpuByKind = Object.fromEntries([...(kindsByThread.get(best.key) ?? [])].map(([k, us]) => [k, perSecond(us)]));
  return { busyMsPerSecond: perSecond(best.busy), cpuMsPerSecond: perSecond(best.cpu), cpuByKind, longTasks: best.longTasks, seconds };
}
