// One account's sync loop: initial sync and catch-up, then live updates, with
// backfill in the background; failures back off with jitter and honour the
// server's retry-after. Each account has its own loop, so one failing account
// never stalls another.
import type { Account, SyncBatch } from '../model/types.js';
import type { Connector, ConnectorContext } from '../connectors/connector.js';
import { AuthError, ProtocolError, RateLimitedError } from '../connectors/errors.js';
import { TransientHttpError } from '../connectors/http/statusError.js';
import { connectorContext } from '../connectors/context.js';
import type { Store } from '../store/store.js';
import { InvalidBatchError, type BatchResult } from '../store/batchWriter.js';
import { DEFAULT_BACKOFF, retryDelay, sleep, type BackoffPolicy } from './backoff.js';
import type { SyncObserver, SyncPhase } from './observer.js';
import { endChatsPastCutoff, historyCutoff } from './historyDepth.js';
import { readAccountSettings } from '../store/accountSettings.js';
import { DISK_FULL_MESSAGE, isDiskFull } from '../store/diskFull.js';
import { heldRemoteIds } from '../store/heldRemoteIds.js';

/**
 * With a full disk the loop looks again at least this often: the user frees
 * space and expects sync to go on soon, not after a long backoff.
 */
export const DISK_FULL_RETRY_MAX_MS = 30_000;

export interface AccountLoopOptions {
  /**
   * Stop once the local copy is complete: initial sync and catch-up, then
   * backfill to the connector's history depth (the CLI's `sync --once`).
   */
  once?: boolean;
  /** With `once`: false skips backfill (stop after the initial sync and catch-up). */
  backfill?: boolean;
  /**
   * History depth in days for backfill, overriding the account's setting
   * (null: the whole history). Undefined: the account's setting.
   */
  historyDays?: number | null;
  /** With `once`: give up after this many failed attempts in a row (per phase). */
  maxAttempts?: number;
  /** Without a live channel: how long to wait between catch-up syncs. */
  pollIntervalMs?: number;
  backoff?: BackoffPolicy;
}

export class AccountLoop {
  private readonly abort = new AbortController();
  /** Cuts the current wait after a failure short (the user's "Retry now"). */
  private wait: AbortController | null = null;
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

  /** Ends the wait before the next attempt, if the loop is waiting; true when it was. */
  retryNow(): boolean {
    if (!this.wait) return false;
    this.wait.abort();
    return true;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  context(): ConnectorContext {
    const { store, account } = this;
    return connectorContext({
      account,
      secret: this.secret,
      signal: this.abort.signal,
      cursor: (stream) => store.writer.cursor(account.id, stream),
      openBlob: (sha256) => store.blobs.open(sha256),
      heldRemoteIds: (kind, after, limit) =>
        heldRemoteIds(store.readDb, account.id, kind, after, limit),
      log: (message) => this.observer.log(account.id, message),
      security: (event) => this.observer.security?.(account.id, event),
    });
  }

  private async run(): Promise<void> {
    const ctx = this.context();
    let attempt = 0;
    while (!this.signal.aborted) {
      try {
        this.setStatus('syncing');
        this.observer.phaseStarted?.(this.account.id, 'initial');
        await this.consume(this.connector.sync(ctx), 'initial');
        if (this.signal.aborted) return;
        this.observer.phaseFinished?.(this.account.id, 'initial');
        attempt = 0;
        if (this.options.once) break;
        this.setStatus('active');
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
        // A full disk rolled the batch back (its cursor too): the next pass
        // asks the server again from the last stored cursor.
        const diskFull = isDiskFull(err);
        const message = diskFull ? DISK_FULL_MESSAGE : describe(err);
        this.observer.log(this.account.id, `sync failed (attempt ${attempt}): ${message}`);
        const giveUp = this.options.once && attempt >= (this.options.maxAttempts ?? 3);
        const retryAfter = err instanceof RateLimitedError ? err.retryAfterMs : null;
        const delay = retryDelay(attempt, retryAfter, this.options.backoff ?? DEFAULT_BACKOFF);
        const wait = diskFull ? Math.min(delay, DISK_FULL_RETRY_MAX_MS) : delay;
        const status = diskFull ? 'disk_full' : unreachable(err) ? 'offline' : 'error';
        this.setStatus(status, message, giveUp ? null : wait);
        if (giveUp) throw err;
        await this.waitToRetry(wait);
      }
    }
    if (this.options.once) await this.completeHistory(ctx);
  }

  private get canBackfill(): boolean {
    return this.connector.capabilities.backfill && this.connector.backfill !== undefined;
  }

  private startBackfill(ctx: ConnectorContext): void {
    if (this.backfillStarted) return;
    this.backfillStarted = true;
    // Nothing older to fetch: the local copy is as complete as this protocol makes it.
    if (!this.canBackfill) return this.observer.phaseFinished?.(this.account.id, 'backfill');
    // In the background a revoked session is the sync loop's to report.
    void this.backfillToEnd(ctx, Number.POSITIVE_INFINITY).catch(() => undefined);
  }

  /**
   * `once`: backfill in the foreground, so the loop ends only when the local
   * copy is complete. The account stays "syncing" until then.
   */
  private async completeHistory(ctx: ConnectorContext): Promise<void> {
    if (this.signal.aborted) return;
    if (this.options.backfill !== false && this.canBackfill) {
      try {
        await this.backfillToEnd(ctx, this.options.maxAttempts ?? 3);
      } catch (err) {
        if (err instanceof AuthError)
          this.setStatus('signed_out', 'Sign in again: the server no longer accepts our session.');
        else this.setStatus('error', describe(err));
        throw err;
      }
    }
    if (!this.signal.aborted) this.setStatus('active');
  }

  /**
   * Runs the connector's backfill until it has no older history (to its
   * depth), retrying transient failures; throws an AuthError at once and
   * other errors after `maxAttempts` failures in a row (a batch applied in
   * between starts the count again: a long backfill may stumble now and then).
   */
  private async backfillToEnd(ctx: ConnectorContext, maxAttempts: number): Promise<void> {
    this.observer.phaseStarted?.(this.account.id, 'backfill');
    const days =
      this.options.historyDays !== undefined
        ? this.options.historyDays
        : readAccountSettings(this.store.readDb, this.account.id).historyDays;
    const cutoff = historyCutoff(days);
    let attempt = 0;
    let progressed = false;
    while (!this.signal.aborted) {
      try {
        await this.backfillPass(ctx, cutoff, () => (progressed = true));
        if (!this.signal.aborted) this.observer.phaseFinished?.(this.account.id, 'backfill');
        return;
      } catch (err) {
        if (this.signal.aborted) return;
        if (err instanceof AuthError) throw err;
        if (progressed) attempt = 0;
        progressed = false;
        attempt++;
        this.observer.log(
          this.account.id,
          `backfill failed (attempt ${attempt}): ${describe(err)}`,
        );
        if (attempt >= maxAttempts) throw err;
        const retryAfter = err instanceof RateLimitedError ? err.retryAfterMs : null;
        await sleep(retryDelay(attempt, retryAfter, this.options.backoff), this.signal);
      }
    }
  }

  /**
   * The connector's backfill to its end; when a chat reaches the history
   * depth, the connector starts over (it skips the chats that are done).
   */
  private async backfillPass(
    ctx: ConnectorContext,
    cutoff: number | null,
    applied: () => void,
  ): Promise<void> {
    for (;;) {
      let reachedDepth = false;
      for await (const batch of this.connector.backfill!(ctx)) {
        if (this.signal.aborted) return;
        reachedDepth = cutoff !== null && endChatsPastCutoff(batch, cutoff);
        const result = this.apply(batch);
        this.observer.batchApplied(this.account.id, result, 'backfill', batch.progress);
        applied();
        if (reachedDepth) break;
      }
      if (!reachedDepth) return;
    }
  }

  private async consume(batches: AsyncIterable<SyncBatch>, phase: SyncPhase): Promise<void> {
    for await (const batch of batches) {
      if (this.signal.aborted) return;
      const result: BatchResult = this.apply(batch);
      this.observer.batchApplied(this.account.id, result, phase, batch.progress);
    }
  }

  /** Sleeps `ms` before the next attempt, or less when retryNow() or stop() cut it short. */
  private async waitToRetry(ms: number): Promise<void> {
    const wait = new AbortController();
    this.wait = wait;
    try {
      await sleep(ms, AbortSignal.any([this.signal, wait.signal]));
    } finally {
      if (this.wait === wait) this.wait = null;
    }
  }

  /** Writes a batch; one the store refuses is the server's malformed data (a ProtocolError). */
  private apply(batch: SyncBatch): BatchResult {
    try {
      return this.store.writer.apply(this.account.id, batch);
    } catch (err) {
      if (err instanceof InvalidBatchError)
        throw new ProtocolError(`the server's answer is inconsistent: ${err.message}`);
      throw err;
    }
  }

  /** `retryInMs`: the loop waits that long before trying again (shown as "retrying in N s"). */
  private setStatus(
    status: Account['status'],
    detail: string | null = null,
    retryInMs: number | null = null,
  ): void {
    this.store.accounts.setStatus(this.account.id, status, detail);
    const retryAt = retryInMs === null ? null : Date.now() + retryInMs;
    this.observer.accountStatus(this.account.id, status, detail, retryAt);
  }
}

/** The server could not be reached, or asked us to wait: nothing for the user to fix. */
function unreachable(err: unknown): boolean {
  return err instanceof TransientHttpError || err instanceof RateLimitedError;
}

/** An error as one line for the user and the log: never a token or a message body. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.split('\n')[0]!.slice(0, 300);
  return String(err).slice(0, 300);
}
