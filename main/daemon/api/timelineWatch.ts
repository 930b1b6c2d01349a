// Which chats' timelines are on a screen somewhere. Each watcher (a window, a
// web page's socket, a test) names the chats it shows; message deltas
// (`messages.upserted` / `messages.removed`) go out only for chats some
// watcher shows, and every other change reaches subscribers as the chat's row
// (`chats.updated`). Without it bulk sync would read back and ship the view
// of every message it writes (57 MB of JSON for 100k messages) to windows
// that show one chat each.

/** Every chat: for callers in the daemon's own process (the CLI, tests) that follow everything. */
export const ALL_CHATS = 'all';

export class TimelineWatches {
  private readonly byWatcher = new Map<string, ReadonlySet<number> | typeof ALL_CHATS>();
  /** How many watchers show each chat; `everything` counts watchers of ALL_CHATS. */
  private readonly counts = new Map<number, number>();
  private everything = 0;

  /** Replaces what this watcher shows; an empty list ends its watch. */
  set(watcher: string, chats: readonly number[] | typeof ALL_CHATS): void {
    this.release(watcher);
    if (chats === ALL_CHATS) {
      this.byWatcher.set(watcher, ALL_CHATS);
      this.everything++;
      return;
    }
    if (chats.length === 0) return;
    const set = new Set(chats);
    this.byWatcher.set(watcher, set);
    for (const id of set) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** Does any watcher show this chat's timeline? */
  shows(chatId: number): boolean {
    return this.everything > 0 || this.counts.has(chatId);
  }

  private release(watcher: string): void {
    const previous = this.byWatcher.get(watcher);
    if (previous === undefined) return;
    this.byWatcher.delete(watcher);
    if (previous === ALL_CHATS) {
      this.everything--;
      return;
    }
    for (const id of previous) {
      const n = this.counts.get(id)! - 1;
      if (n === 0) this.counts.delete(id);
      else this.counts.set(id, n);
    }
  }
}
