// One open session per account and secret, shared by a connector's sync, push
// and writes (every protocol: a JMAP session, a Matrix account's transport and
// mapping memory); opened on first use and dropped after an auth failure so
// the next use signs in afresh.
import type { ConnectorContext } from './connector.js';
import { AuthError } from './errors.js';

export type OpenSession<S> = (
  server: string,
  username: string,
  secret: string,
  signal: AbortSignal,
) => Promise<S>;

export class SessionCache<S> {
  private readonly sessions = new Map<string, Promise<S>>();

  constructor(private readonly open: OpenSession<S>) {}

  get(ctx: ConnectorContext): Promise<S> {
    const key = `${ctx.account.server}\n${ctx.account.username}\n${ctx.secret}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.open(ctx.account.server, ctx.account.username, ctx.secret, ctx.signal);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /** Runs fn with the session; an auth failure forgets every cached session. */
  async guard<T>(ctx: ConnectorContext, fn: (s: S) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.get(ctx));
    } catch (err) {
      this.forgetOnAuthError(err);
      throw err;
    }
  }

  /** guard() for a stream of batches (sync, live, backfill). */
  async *guardStream<T>(ctx: ConnectorContext, fn: (s: S) => AsyncIterable<T>): AsyncGenerator<T> {
    try {
      yield* fn(await this.get(ctx));
    } catch (err) {
      this.forgetOnAuthError(err);
      throw err;
    }
  }

  private forgetOnAuthError(err: unknown): void {
    if (err instanceof AuthError) this.sessions.clear();
  }
}
