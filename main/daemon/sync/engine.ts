// The sync engine: one AccountLoop and one OutboxSender per account. It reads
// secrets through an injected provider (the keychain lives outside the daemon).
import type { Account } from '../model/types.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Connector } from '../connectors/connector.js';
import type { Store } from '../store/store.js';
import type { OutboxEntry } from '../store/outbox.js';
import { secretKey } from '../store/accounts.js';
import { AccountLoop, type AccountLoopOptions } from './accountLoop.js';
import { OutboxSender, type OutboxSenderOptions } from './outboxSender.js';
import type { SyncObserver } from './observer.js';
import { ProgressTracker, type ProgressListener, type SyncProgress } from './progress.js';

export interface SecretProvider {
  get(key: string): Promise<string | null>;
}

export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}

interface Running {
  loop: AccountLoop;
  sender: OutboxSender;
  connector: Connector;
}

export interface SyncOnceOptions extends AccountLoopOptions {
  /** Progress as the run goes (phase, messages stored, chats backfilled / remaining). */
  onProgress?: ProgressListener;
}

export interface SyncEngineOptions {
  loop?: AccountLoopOptions;
  outbox?: OutboxSenderOptions;
  /** How often a running account's progress is reported while batches land (ms). */
  progressIntervalMs?: number;
}

/** Often enough for a progress bar to move smoothly, rare enough to cost nothing. */
const DEFAULT_PROGRESS_INTERVAL_MS = 250;

export class SyncEngine {
  private readonly running = new Map<number, Running>();
  private readonly starting = new Map<number, Promise<Running>>();
  private readonly outboxWaiters = new Set<() => void>();
  /** Per account: when its loop tries again after a failure, while it waits. */
  private readonly retryAts = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly connectors: ConnectorRegistry,
    private readonly secrets: SecretProvider,
    private readonly observer: SyncObserver,
    private readonly options: SyncEngineOptions = {},
  ) {
    // Entries caught mid-send by a crash go back to pending.
    store.outbox.recoverInFlight();
  }

  /** Starts every account that has a connector; accounts fail independently. */
  async startAll(): Promise<void> {
    await Promise.all(
      this.store.accounts
        .list()
        .filter((a) => this.connectors.has(a.protocol) && a.status !== 'signed_out')
        .map((a) =>
          this.start(a.id).catch((err: unknown) =>
            this.observer.log(a.id, `not started: ${(err as Error).message}`),
          ),
        ),
    );
  }

  /**
   * Starts the account's sync loop and outbox sender. `outboxOnly` delivers
   * queued writes without syncing (the CLI's `send`).
   */
  async start(
    accountId: number,
    loopOptions?: AccountLoopOptions,
    { outboxOnly = false }: { outboxOnly?: boolean } = {},
  ): Promise<Running> {
    const existing = this.running.get(accountId) ?? this.starting.get(accountId);
    if (existing) return existing;
    // Tracked while the secret is read, so stop() cannot miss a start in flight.
    const starting = this.startNow(accountId, loopOptions, outboxOnly);
    this.starting.set(accountId, starting);
    try {
      return await starting;
    } finally {
      this.starting.delete(accountId);
    }
  }

  private async startNow(
    accountId: number,
    loopOptions: AccountLoopOptions | undefined,
    outboxOnly: boolean,
  ): Promise<Running> {
    const account = this.account(accountId);
    // The connector first: "not implemented" is the more useful message.
    const connector = await this.connectors.create(account.protocol);
    const secret = await this.secrets.get(secretKey(account));
    if (secret === null)
      throw new MissingSecretError(`no credentials in the keychain for account ${account.id}`);
    const progress = new ProgressTracker(
      accountId,
      this.store,
      (p) => this.observer.progress?.(p),
      this.options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
    );
    const loop = new AccountLoop(
      account,
      connector,
      this.store,
      secret,
      progress.wrap(this.wrapObserver()),
      { ...this.options.loop, ...loopOptions },
    );
    const sender = new OutboxSender(
      account.id,
      connector,
      loop.context(),
      this.store.outbox,
      this.wrapObserver(),
      this.options.outbox,
    );
    const running = { loop, sender, connector };
    this.running.set(accountId, running);
    sender.start();
    if (!outboxOnly) void loop.start().catch(() => undefined);
    return running;
  }

  /**
   * Makes one account's local copy complete, then stops: initial sync and
   * catch-up, then backfill to the connector's history depth (unless
   * `backfill: false`). Resolves with the final progress; rejects with the
   * reason on failure.
   */
  async syncOnce(
    accountId: number,
    { onProgress, ...loopOptions }: SyncOnceOptions = {},
  ): Promise<SyncProgress> {
    const account = this.account(accountId);
    // The connector first: "not implemented" is the more useful message.
    const connector = await this.connectors.create(account.protocol);
    const secret = await this.secrets.get(secretKey(account));
    if (secret === null)
      throw new MissingSecretError(`no credentials in the keychain for account ${account.id}`);
    const progress = new ProgressTracker(accountId, this.store, onProgress ?? (() => undefined));
    const observer = progress.wrap(this.wrapObserver());
    const loop = new AccountLoop(account, connector, this.store, secret, observer, {
      ...this.options.loop,
      ...loopOptions,
      once: true,
    });
    await loop.start();
    return progress.finish();
  }

  /**
   * "Retry now": a loop waiting after a failure tries at once; an account that
   * is not running (it failed to start) is started. False when there is
   * nothing to retry (no such account, or it waits for the user to sign in).
   */
  async retryNow(accountId: number): Promise<boolean> {
    const running = this.running.get(accountId);
    if (running) return running.loop.retryNow();
    const account = this.store.accounts.get(accountId);
    if (!account || account.status === 'signed_out' || !this.connectors.has(account.protocol))
      return false;
    await this.start(accountId);
    return true;
  }

  /** Stops the account's loop and sender, and starts them again (after signing in anew). */
  async restart(accountId: number): Promise<void> {
    await this.stop(accountId);
    await this.start(accountId);
  }

  /** When the account's loop tries again after a failure, while it waits. */
  retryAt(accountId: number): number | null {
    return this.retryAts.get(accountId) ?? null;
  }

  /** A write was queued: let the account's sender look now. */
  poke(accountId: number): void {
    this.running.get(accountId)?.sender.poke();
  }

  /** Resolves when the entry is sent or failed (the CLI's `send` waits on this). */
  async settled(entryId: number, signal?: AbortSignal): Promise<OutboxEntry> {
    for (;;) {
      const entry = this.store.outbox.get(entryId);
      if (!entry) throw new Error(`outbox entry ${entryId} is gone`);
      if (entry.state === 'sent' || entry.state === 'failed') return entry;
      if (signal?.aborted) return entry;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.outboxWaiters.delete(done);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, 1000);
        this.outboxWaiters.add(done);
      });
    }
  }

  async stop(accountId: number): Promise<void> {
    await this.starting.get(accountId)?.catch(() => undefined);
    const r = this.running.get(accountId);
    this.retryAts.delete(accountId);
    if (!r) return;
    this.running.delete(accountId);
    await r.loop.stop();
    await r.sender.stopped();
    await r.connector.close?.().catch(() => undefined);
  }

  async stopAll(): Promise<void> {
    const ids = new Set([...this.running.keys(), ...this.starting.keys()]);
    await Promise.all([...ids].map((id) => this.stop(id)));
  }

  /**
   * The account's connector: the running one (with its open session and
   * caches) when the account syncs, or is starting (its code may still be
   * loading), else a fresh one.
   */
  async connector(account: Account): Promise<Connector> {
    const starting = this.starting.get(account.id);
    if (starting) await starting.catch(() => undefined);
    return this.running.get(account.id)?.connector ?? this.connectors.create(account.protocol);
  }

  isRunning(accountId: number): boolean {
    return this.running.has(accountId);
  }

  private account(accountId: number): Account {
    const account = this.store.accounts.get(accountId);
    if (!account) throw new Error(`no account ${accountId}`);
    return account;
  }

  private wrapObserver(): SyncObserver {
    return {
      ...this.observer,
      batchApplied: (id, r, phase, progress) => this.observer.batchApplied(id, r, phase, progress),
      accountStatus: (id, s, d, retryAt) => {
        if (retryAt) this.retryAts.set(id, retryAt);
        else this.retryAts.delete(id);
        this.observer.accountStatus(id, s, d, retryAt ?? null);
      },
      log: (id, m) => this.observer.log(id, m),
      phaseStarted: (id, phase) => this.observer.phaseStarted?.(id, phase),
      phaseFinished: (id, phase) => this.observer.phaseFinished?.(id, phase),
      security: (id, event) => this.observer.security?.(id, event),
      outboxChanged: (entry) => {
        this.observer.outboxChanged(entry);
        for (const wake of [...this.outboxWaiters]) wake();
      },
    };
  }
}
