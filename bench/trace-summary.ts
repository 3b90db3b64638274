/**
 * Main-thread figures from a Chromium trace (the JSON Playwright's `browser.stopTracing` writes): how much CPU the page's
 * main thread (`CrRendererMain`) used per second, and on what. Thread time (`tdur`) is what the page itself cost; wall time
 * (`dur`) also counts the waits for a core, so on a loaded machine CPU time compares runs far better than frame times.
 * Trace event format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
 */

/**
 * Trace categories for the busy-time figures: the tasks and what they did, no JS sampling and no stacks. Playwright's
 * default set adds `disabled-by-default-devtools.timeline.stack`, which records a JS stack at every DOM mutation: a CPU
 * profile taken beside it then puts that cost in the DOM setters (the legend's `set nodeValue` read as ~20 ms a commit;
 * timed around the setter, the writes are ~6 µs each).
 */
export const MEASURE_CATEGORIES = ['-*', 'toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'v8.execute', 'blink.user_timing'];

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

export interface MainThreadSummary {
  /** Seconds from the first to the end of the last top-level task. */
  seconds: number;
  /** Main-thread CPU (thread time of top-level tasks), ms per second of the trace. */
  cpuMsPerSecond: number;
  /** Main-thread busy wall time, ms per second. */
  busyMsPerSecond: number;
  /** Self CPU ms per second by event name (Commit: the compositor commit, which rasters software canvases; FunctionCall: JS). */
  byName: Array<{ name: string; cpuMsPerSecond: number }>;
  /** Top-level tasks over 50 ms of wall time. */
  longTasks: number;
}

const TOP_LEVEL = 'ThreadControllerImpl::RunTask';

/** Summarises the renderer main thread of a trace (`traceEvents` array or object form); null when it has none. */
export function summariseMainThread(trace: { traceEvents: TraceEvent[] } | TraceEvent[]): MainThreadSummary | null {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return null;
  const xs = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const top = xs.filter((e) => e.name === TOP_LEVEL);
  if (top.length === 0) return null;
  const start = top[0]!.ts;
  const end = Math.max(...top.map((e) => e.ts + e.dur!));
  const seconds = (end - start) / 1e6;
  const perSecond = (us: number) => us / 1e3 / seconds;
  // Self time: complete events on one thread nest, so each event's time minus its children's.
  const self = new Map<string, number>();
  const stack: TraceEvent[] = [];
  for (const e of xs) {
    while (stack.length > 0 && stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur! <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - (e.tdur ?? 0));
    self.set(e.name, (self.get(e.name) ?? 0) + (e.tdur ?? 0));
    stack.push(e);
  }
  return {
    seconds,
    cpuMsPerSecond: perSecond(top.reduce((n, e) => n + (e.tdur ?? 0), 0)),
    busyMsPerSecond: perSecond(top.reduce((n, e) => n + e.dur!, 0)),
    byName: [...self].map(([name, us]) => ({ name, cpuMsPerSecond: perSecond(us) })).sort((a, b) => b.cpuMsPerSecond - a.cpuMsPerSecond),
    longTasks: top.filter((e) => e.dur! > 50_000).length,
  };
}

/** The summary as report rows. */
export function mainThreadRows(s: MainThreadSummary): Array<[string, string, string]> {
  return [
    ['main-thread CPU, ms per second (trace)', s.cpuMsPerSecond.toFixed(0), `busy wall ${s.busyMsPerSecond.toFixed(0)} ms/s`],
    ...s.byName.slice(0, 6).map(({ name, cpuMsPerSecond }): [string, string, string] => [`  of which ${name}`, cpuMsPerSecond.toFixed(0), '']),
  ];
}

/** One top-level task over 50 ms, and what it spent its time on. */
export interface LongTask {
  /** ms since the first task of the trace. */
  at: number;
  /** Wall ms (what the page's long-task observer sees), and the main thread's CPU ms in it (thread time). */
  wall: number;
  cpu: number;
  /** Self CPU ms by trace event name (Commit: the compositor commit, which rasters software canvases; Layout; FunctionCall: JS; GC…), largest first. */
  self: Array<{ name: string; ms: number }>;
  /** What started its JavaScript: the task's timer, animation frame, event or message callbacks (trace `args.data`). */
  callbacks: string[];
}

/** Names of the events whose `args.data` says which callback ran (an animation frame, a timer, a DOM event, a message). */
const CALLBACK_EVENTS = new Set(['FireAnimationFrame', 'TimerFire', 'EventDispatch', 'FunctionCall', 'XHRLoad', 'XHRReadyStateChange', 'ParseHTML', 'EvaluateScript']);

/**
 * Every top-level task of the renderer main thread over `overMs` of wall time, with its self time by event name (GC is
 * `MajorGC`/`MinorGC`/`V8.GC_*`, JSON parse and JS are under `FunctionCall`, canvas raster under `Commit`) and its callbacks:
 * so a long task can be told to be one chart redraw, a React render, a GC pause, or a preempted short task (CPU ≪ wall).
 */
export function longTasks(trace: { traceEvents: TraceEvent[] } | TraceEvent[], overMs = 50): LongTask[] {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return [];
  const xs = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const top = xs.filter((e) => e.name === TOP_LEVEL);
  if (top.length === 0) return [];
  const start = top[0]!.ts;
  const out: LongTask[] = [];
  let i = 0;
  for (const task of top) {
    if (task.dur! <= overMs * 1000) continue;
    const end = task.ts + task.dur!;
    while (i < xs.length && xs[i]!.ts < task.ts) i++;
    const self = new Map<string, number>();
    const callbacks = new Map<string, number>();
    const stack: TraceEvent[] = [];
    for (let j = i; j < xs.length && xs[j]!.ts < end; j++) {
      const e = xs[j]!;
      if (e === task) continue;
      while (stack.length > 0 && stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur! <= e.ts) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - (e.tdur ?? 0));
      self.set(e.name, (self.get(e.name) ?? 0) + (e.tdur ?? 0));
      stack.push(e);
      if (CALLBACK_EVENTS.has(e.name)) {
        const data = (e.args as { data?: { functionName?: string; type?: string; url?: string } } | undefined)?.data;
        const what = e.name === 'FunctionCall' ? (data?.functionName ? `${data.functionName}()` : '') : `${e.name}${data?.type ? ` ${data.type}` : ''}`;
        if (what) callbacks.set(what, (callbacks.get(what) ?? 0) + 1);
      }
    }
    out.push({
      at: (task.ts - start) / 1000,
      wall: task.dur! / 1000,
      cpu: (task.tdur ?? 0) / 1000,
      self: [...self].filter(([, us]) => us >= 500).map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms),
      callbacks: [...callbacks].sort((a, b) => b[1] - a[1]).map(([what, n]) => (n > 1 ? `${what} ×${n}` : what)),
    });
  }
  return out;
}

/** A long task as one line: wall and CPU ms, then its three largest self times and first callbacks. */
export function longTaskLine(t: LongTask): string {
  const self = t.self.slice(0, 3).map((s) => `${s.name} ${s.ms.toFixed(0)}`).join(', ');
  return `at ${(t.at / 1000).toFixed(1)} s: ${t.wall.toFixed(0)} ms wall, ${t.cpu.toFixed(0)} ms CPU — ${self || 'no traced work'}${t.callbacks.length ? ` (${t.callbacks.slice(0, 3).join(', ')})` : ''}`;
}
