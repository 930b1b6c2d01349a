// One account's sync loop: initial sync and catch-up, then live updates, with
// backfill in the background; failures back off with jitter and honour the
// server's retry-after. Each account has its own loop, so one failing account
// never stalls another.
import type { Account, SyncBatch } from '../model/types.js';
import type { Connector, ConnectorContext } from '../connectors/connector.js';
import { AuthError, RateLimitedError } from '../connectors/errors.js';
import type { Store } from '../store/store.js';
import type { BatchResult } from '../store/batchWriter.js';
import { DEFAULT_BACKOFF, retryDelay, sleep, type BackoffPolicy } from './backoff.js';
import type { SyncObserver, SyncPhase } from './observer.js';

export interface AccountLoopOptions {
  /** Stop after the initial sync and catch-up (the CLI's `sync --once`). */
  once?: boolean;
  /** With `once`: give up after this many failed attempts in a row. */
  maxAttempts?: number;
  /** Without a live channel: how long to wait between catch-up syncs. */
  pollIntervalMs?: number;
  backoff?: BackoffPolicy;
}

export class AccountLoop {
  private readonly abort = new AbortController();
  private backfillStarted = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly account: Account,
    private readonly connector: Connector,
    private readonly store: Store,
    private readonly secret: string,
    private readonly observer: SyncObserver,
    private readonly options: AccountLoopOptions = {},
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  context(): ConnectorContext {
    const { store, account } = this;
    return {
      account,
      secret: this.secret,
      signal: this.abort.signal,
      cursor: (stream) => store.writer.cursor(account.id, stream),
      log: (message) => this.observer.log(account.id, message),
    };
  }

  private async run(): Promise<void> {
    const ctx = this.context();
    let attempt = 0;
    while (!this.signal.aborted) {
      try {
        this.setStatus('syncing');
        await this.consume(this.connector.sync(ctx), 'initial');
        attempt = 0;
        this.setStatus('active');
        if (this.options.once) return;
        this.startBackfill(ctx);
        if (this.connector.capabilities.live && this.connector.live) {
          await this.consume(this.connector.live(ctx), 'live');
        } else {
          await sleep(this.options.pollIntervalMs ?? 60_000, this.signal);
        }
      } catch (err) {
        if (this.signal.aborted) return;
        if (err instanceof AuthError) {
          this.setStatus('signed_out', 'Sign in again: the server no longer accepts our session.');
          if (this.options.once) throw err;
          return;
        }
        attempt++;
        const message = describe(err);
        this.setStatus('error', message);
        this.observer.log(this.account.id, `sync failed (attempt ${attempt}): ${message}`);
        if (this.options.once && attempt >= (this.options.maxAttempts ?? 3)) throw err;
        const retryAfter = err instanceof RateLimitedError ? err.retryAfterMs : null;
        await sleep(
          retryDelay(attempt, retryAfter, this.options.backoff ?? DEFAULT_BACKOFF),
          this.signal,
        );
      }
    }
  }

  private startBackfill(ctx: ConnectorContext): void {
    if (this.backfillStarted || !this.connector.capabilities.backfill || !this.connector.backfill)
      return;
    this.backfillStarted = true;
    const connector = this.connector;
    void (async () => {
      let attempt = 0;
      while (!this.signal.aborted) {
        try {
          await this.consume(connector.backfill!(ctx), 'backfill');
          return;
        } catch (err) {
          if (this.signal.aborted || err instanceof AuthError) return;
          attempt++;
          this.observer.log(
            this.account.id,
            `backfill failed (attempt ${attempt}): ${describe(err)}`,
          );
          const retryAfter = err instanceof RateLimitedError ? err.retryAfterMs : null;
          await sleep(retryDelay(attempt, retryAfter, this.options.backoff), this.signal);
        }
      }
    })();
  }

  private async consume(batches: AsyncIterable<SyncBatch>, phase: SyncPhase): Promise<void> {
    for await (const batch of batches) {
      if (this.signal.aborted) return;
      const result: BatchResult = this.store.writer.apply(this.account.id, batch);
      this.observer.batchApplied(this.account.id, result, phase);
    }
  }

  private setStatus(status: Account['status'], detail: string | null = null): void {
    this.store.accounts.setStatus(this.account.id, status, detail);
    this.observer.accountStatus(this.account.id, status, detail);
  }
}

/** An error as one line for the user and the log: never a token or a message body. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.split('\n')[0]!.slice(0, 300);
  return String(err).slice(0, 300);
}
