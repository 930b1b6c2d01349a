// What bench:live needs of a server, whatever its protocol: Parley's account
// on it, a chat the other user writes into, and the floor (a bare client with
// its own chat, doing only what the connector waits on).

export interface LiveServer {
  readonly name: 'matrix' | 'jmap-chat';
  /** `accounts.add` input for the user Parley signs in as. */
  readonly parleyAccount: { protocol: string; server: string; username: string; password: string };
  /** The chat Parley shows, by its name in the chat list. */
  readonly chatName: RegExp;
  /** The other user writes `body` into Parley's chat: one plain HTTP request. */
  sendToParley(body: string): Promise<void>;
  /** The other user writes `body` into the floor client's chat. */
  sendToFloor(body: string): Promise<void>;
  /** Resolves with the epoch time the floor client had the message holding `token`. */
  floorSees(token: string): Promise<number>;
  close(): Promise<void>;
}

/** Waiters for tokens a bare client finds in what it receives. */
export class TokenWaiters {
  private readonly waiting = new Map<string, (at: number) => void>();
  private readonly early = new Map<string, number>();

  wait(token: string): Promise<number> {
    const at = this.early.get(token);
    if (at !== undefined) {
      this.early.delete(token);
      return Promise.resolve(at);
    }
    return new Promise((resolve) => this.waiting.set(token, resolve));
  }

  /** The client received `token` at `at` (it may arrive before anyone waits). */
  found(token: string, at: number): void {
    const resolve = this.waiting.get(token);
    if (resolve) {
      this.waiting.delete(token);
      resolve(at);
    } else this.early.set(token, at);
  }
}
