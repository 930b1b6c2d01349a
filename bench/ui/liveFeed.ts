// A simulated connector for bench:ui's live phase: its live channel yields the
// batches the bench pushes, and notes the moment each is handed to the store
// (the account loop writes it in the same turn of the event loop).
import type { Connector } from '../../main/daemon/connectors/connector.js';
import type { SyncBatch } from '../../main/daemon/model/types.js';
import { ScriptedServer, scriptedConnector } from '../../test/helpers/scriptedConnector.js';
import { epochNow } from './browser.js';

export class LiveFeed {
  private readonly queue: { batch: SyncBatch; written: (at: number) => void }[] = [];
  private wake: (() => void) | null = null;

  /** Queues a batch for the live channel; resolves with the epoch time it went to the store. */
  push(batch: SyncBatch): Promise<number> {
    return new Promise((written) => {
      this.queue.push({ batch, written });
      this.wake?.();
    });
  }

  /** A connector whose initial sync is empty and whose live channel is this feed. */
  connector(): Connector {
    const base = scriptedConnector(new ScriptedServer());
    const next = async (signal: AbortSignal) => {
      while (this.queue.length === 0 && !signal.aborted)
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          this.wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      this.wake = null;
      return this.queue.shift() ?? null;
    };
    return {
      ...base,
      capabilities: { ...base.capabilities, live: true },
      async *live(ctx) {
        for (;;) {
          const item = await next(ctx.signal);
          if (!item) return;
          // The loop applies the batch as soon as this yield resumes it.
          item.written(epochNow());
          yield item.batch;
        }
      },
    };
  }
}
