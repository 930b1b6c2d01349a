// Wrong tokens are rate-limited. Every caller of web mode is on loopback, so
// there is no address to tell a guesser from the user: the limit counts wrong
// tokens for the whole host. Past the budget a wrong token is answered 429 with
// Retry-After (the guess is not even compared), while the right token still
// gets in: a page hammering the port cannot lock the user out, and guessing
// 256 bits at a few tries per second is hopeless anyway.

export interface ThrottleOptions {
  /** Wrong tokens allowed per window before throttling. */
  budget?: number;
  windowMs?: number;
  now?: () => number;
}

export class AuthThrottle {
  private readonly budget: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  /** Times of recent wrong tokens (at most `budget` kept: bounded memory). */
  private readonly failures: number[] = [];

  constructor(options: ThrottleOptions = {}) {
    this.budget = options.budget ?? 20;
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until another wrong token may be tried; 0 when one may be now. */
  waitMs(): number {
    const now = this.now();
    while (this.failures.length && this.failures[0]! <= now - this.windowMs) this.failures.shift();
    if (this.failures.length < this.budget) return 0;
    return this.failures[0]! + this.windowMs - now;
  }

  /** Counts one wrong token. */
  failed(): void {
    this.failures.push(this.now());
    if (this.failures.length > this.budget) this.failures.shift();
  }
}
