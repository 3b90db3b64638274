/** A minimal incremental Server-Sent Events parser (for Node clients without EventSource: tests, benchmarks, tools). */
export interface SseMessage {
  id: string | null;
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private id: string | null = null;
  /** The id of the last message that carried one, as EventSource tracks it. */
  lastEventId: string | null = null;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line === '') {
        if (this.data.length > 0) {
          if (this.id !== null) this.lastEventId = this.id;
          out.push({ id: this.id, data: this.data.join('\n') });
        }
        this.data = [];
        this.id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}
