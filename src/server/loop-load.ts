import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * How busy the server's event loop has been: Node's event-loop utilisation (`performance.eventLoopUtilization`, the share
 * of wall time spent running callbacks rather than waiting in the poll phase), over the span since the previous call.
 * Background work asks it to stand aside while ingest keeps the loop saturated. `measure` is injectable for tests.
 */
export class LoopLoad {
  private last: EventLoopUtilization;

  constructor(private readonly measure: (since?: EventLoopUtilization) => EventLoopUtilization = (since) => performance.eventLoopUtilization(since)) {
    this.last = measure();
  }

  /** The utilisation (0–1) since the previous call (or since construction). */
  sinceLast(): number {
    const now = this.measure();
    const span = this.measure(this.last);
    this.last = now;
    return span.utilization;
  }
}
