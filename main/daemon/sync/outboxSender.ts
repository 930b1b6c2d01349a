// Delivers one account's outbox entries in order. Transient failures are
// retried with backoff (the server's retry-after wins); a permanent failure
// marks the entry failed for the user to see. The idempotency key travels with
// every attempt, with what the entry says about earlier attempts (a protocol
// without a lasting idempotency handle looks for their result), so a retry
// after a lost response never duplicates.
import type { Connector, ConnectorContext } from '../connectors/connector.js';
import { AuthError, PermanentError, RateLimitedError } from '../connectors/errors.js';
import type { DeliverableOutboxEntry, Outbox } from '../store/outbox.js';
import { DEFAULT_BACKOFF, retryDelay, sleep, type BackoffPolicy } from './backoff.js';
import { DISK_FULL_RETRY_MAX_MS, describe } from './accountLoop.js';
import { DISK_FULL_MESSAGE, isDiskFull } from '../store/diskFull.js';
import type { SyncObserver } from './observer.js';

export interface OutboxSenderOptions {
  backoff?: BackoffPolicy;
  /**
   * A transient failure (server unreachable, 5xx, timeout) becomes permanent
   * only when both limits are reached: this many attempts, and the write is
   * older than `giveUpAfterMs`. A laptop offline for an afternoon must not
   * come back to a column of failed messages; the user's words go out when the
   * server does.
   */
  maxAttempts?: number;
  giveUpAfterMs?: number;
}

const DEFAULT_MAX_ATTEMPTS = 12;
const DEFAULT_GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

export class OutboxSender {
  private wakeUp: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly accountId: number,
    private readonly connector: Connector,
    private readonly ctx: ConnectorContext,
    private readonly outbox: Outbox,
    private readonly observer: SyncObserver,
    private readonly options: OutboxSenderOptions = {},
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Something was queued: look at the outbox now. */
  poke(): void {
    this.wakeUp?.();
  }

  async stopped(): Promise<void> {
    this.poke();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.ctx.signal;
    while (!signal.aborted) {
      try {
        const due = this.outbox.due(this.accountId);
        const held = new Set<number | null>();
        for (const entry of due) {
          if (signal.aborted) return;
          if (held.has(entry.chatId)) continue;
          // A chat whose entry must wait holds back its later entries (order per chat).
          if (!(await this.deliver(entry))) held.add(entry.chatId);
        }
      } catch (err) {
        // The outbox itself could not be written (a full disk): the entry
        // keeps its state (a "sending" one is retried with its idempotency
        // key), and the sender looks again shortly instead of dying.
        if (!isDiskFull(err)) throw err;
        this.observer.log(this.accountId, `outbox paused: ${DISK_FULL_MESSAGE}`);
        await sleep(
          Math.min(DISK_FULL_RETRY_MAX_MS, (this.options.backoff ?? DEFAULT_BACKOFF).maxMs),
          signal,
        );
        continue;
      }
      await this.waitForWork();
    }
  }

  /** Sends one entry; false when it must wait for a retry. */
  async deliver(entry: DeliverableOutboxEntry): Promise<boolean> {
    this.outbox.markSending(entry.id);
    this.changed(entry.id);
    try {
      const result = await this.connector.perform(this.ctx, entry.operation, entry.idempotencyKey, {
        earlier: entry.attempts,
        queuedAt: entry.createdAt,
      });
      this.outbox.markSent(entry.id, result.remoteId ?? null);
      this.changed(entry.id);
      return true;
    } catch (err) {
      const attempts = entry.attempts + 1;
      const message = describe(err);
      if (err instanceof PermanentError || (!(err instanceof AuthError) && this.givesUp(entry))) {
        this.outbox.markFailed(entry.id, message);
        this.changed(entry.id);
        return true;
      }
      const retryAfter = err instanceof RateLimitedError ? err.retryAfterMs : null;
      const delay = retryDelay(attempts, retryAfter, this.options.backoff ?? DEFAULT_BACKOFF);
      this.outbox.markRetry(entry.id, message, Date.now() + delay);
      this.observer.log(this.accountId, `outbox entry ${entry.id} will retry: ${message}`);
      this.changed(entry.id);
      return false;
    }
  }

  private givesUp(entry: DeliverableOutboxEntry): boolean {
    const attempts = entry.attempts + 1;
    const age = Date.now() - entry.createdAt;
    return (
      attempts >= (this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) &&
      age >= (this.options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS)
    );
  }

  private changed(id: number): void {
    const entry = this.outbox.get(id);
    if (entry) this.observer.outboxChanged(entry);
  }

  private waitForWork(): Promise<void> {
    const signal = this.ctx.signal;
    if (signal.aborted) return Promise.resolve();
    const next = this.outbox.nextDueAt(this.accountId);
    return new Promise((resolve) => {
      const done = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wakeUp = null;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakeUp = done;
      signal.addEventListener('abort', done, { once: true });
      if (next !== null) this.timer = setTimeout(done, Math.max(0, next - Date.now()));
    });
  }
}
