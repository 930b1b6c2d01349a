// What one write changed, per chat: the messages inserted or changed (edits,
// deletions, reactions). The batch writer fills it while a batch applies and
// returns it; the daemon turns it into coalesced `messages.upserted` events.
// Cheap by design (ids only): reading the views is the event side's job, once
// per tick, so ingest pays nothing for it.

/** The messages a write touched in one chat, by local id (each once, in the order first touched). */
export interface ChatChange {
  chatId: number;
  messageIds: number[];
}

export class ChangeRecord {
  private readonly byChat = new Map<number, Set<number>>();
  /** Ids changed where their chat was not at hand (a reaction names only its message). */
  private readonly unplaced = new Set<number>();

  message(id: number, chatId?: number): void {
    if (chatId === undefined) {
      this.unplaced.add(id);
      return;
    }
    let ids = this.byChat.get(chatId);
    if (!ids) this.byChat.set(chatId, (ids = new Set()));
    ids.add(id);
  }

  /** Forgets a chat that is gone (its messages went with it). */
  dropChat(chatId: number): void {
    this.byChat.delete(chatId);
  }

  /**
   * The record per chat. `chatsOf` places the ids whose chat was not at hand
   * (one lookup for all of them; ids no longer stored are left out).
   */
  perChat(chatsOf: (messageIds: number[]) => Map<number, number>): ChatChange[] {
    if (this.unplaced.size > 0) {
      const placed = chatsOf([...this.unplaced]);
      for (const id of this.unplaced) {
        const chatId = placed.get(id);
        if (chatId !== undefined) this.message(id, chatId);
      }
      this.unplaced.clear();
    }
    return [...this.byChat].map(([chatId, ids]) => ({ chatId, messageIds: [...ids] }));
  }
}
