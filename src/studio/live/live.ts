import type { StreamEvent } from '../../protocol/index.js';
import { StreamConnection } from './connection.js';
import { ExecutionSync, upsertExecution } from './execution-sync.js';
import { liveStore } from './live-store.js';

/** The tab's live layer: one stream connection feeding the list upserts and the followed execution. */
export class Live {
  readonly sync = new ExecutionSync();
  private readonly resyncListeners = new Set<() => void>();
  private readonly connection = new StreamConnection({
    onState: (connection) => liveStore.setState({ connection }),
    onEvent: (event, fresh) => this.onEvent(event, fresh),
  });

  /** Opens the stream following `executionId` (or nothing, on the list page). */
  follow(executionId: string | null): void {
    this.sync.setFollowed(executionId);
    this.connection.follow(executionId === null ? [] : [executionId]);
  }

  /** Called after the server said the stream could not be resumed: REST views refetch. */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  private onEvent(event: StreamEvent, fresh: boolean): void {
    switch (event.type) {
      case 'hello':
        liveStore.setState({ connection: 'live' });
        if (fresh) void this.sync.load();
        return;
      case 'resync':
        void this.sync.load();
        for (const l of this.resyncListeners) l();
        return;
      case 'execution':
        upsertExecution(event.execution);
        this.sync.onEvent(event);
        return;
      default:
        this.sync.onEvent(event);
    }
  }
}

export const live = new Live();
