// Turns the store's change records into the deltas subscribers receive, once
// per turn of the event loop. Several batches and outbox changes in one turn
// become one `messages.upserted` per chat carrying the current view of each
// changed message (read once, after the last write of the turn), one
// `messages.removed` per chat for ids that are gone, and one `chats.updated`
// for every chat row touched. Other events keep their order, after the deltas.
// Message deltas go out only for chats a window shows (api/timelineWatch.ts);
// for the rest the changed messages are never read, and their chat rows say
// what a chat list needs. Moved read receipts go out the same way: one
// `receipts.updated` per shown chat, with everyone's positions read once.
// (Mailspring's DatabaseChangeRecord is the model: the change carries the
// objects, so a subscriber never reads back what it was just told about.)
import type { ChatSummary, MessageView } from '../model/types.js';
import type { BatchResult } from '../store/batchWriter.js';
import type { OutboxEntry } from '../store/outbox.js';
import type { DaemonEvent, OutboxItem, ReceiptView } from './contract.js';
import { toOutboxItem } from './handlers/context.js';

/** The reads a flush needs: the read model's. */
export interface DeltaReader {
  /** Current views of these messages (ids no longer stored are simply absent). */
  messagesById(ids: number[]): MessageView[];
  chatsById(ids: number[]): ChatSummary[];
  /** Everyone's read receipts in the chat (chats.receipts); without it, no receipts event. */
  receipts?(chatId: number): ReceiptView[];
}

/**
 * At most this many messages of one chat travel in one event (the newest);
 * the event then says `more`, and a subscriber re-reads its window instead
 * of folding a change it only partly holds.
 */
export const MAX_MESSAGES_PER_EVENT = 500;

export class EventCoalescer {
  private messages = new Map<number, Set<number>>();
  private chats = new Set<number>();
  /** Chats whose receipts moved this turn. */
  private receipts = new Set<number>();
  /** Each entry's latest state: earlier states of the same turn are superseded. */
  private outbox = new Map<number, OutboxItem>();
  private others: DaemonEvent[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly read: DeltaReader,
    private readonly emit: (event: DaemonEvent) => void,
    /** Runs the flush after the current turn (setImmediate; a test may step it by hand). */
    private readonly schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
    /** Whether a window shows this chat's timeline (TimelineWatches.shows). */
    private readonly shown: (chatId: number) => boolean = () => true,
  ) {}

  /** A sync batch was written: its change record, and the chat rows it touched. */
  batchApplied(result: BatchResult): void {
    for (const { chatId, messageIds } of result.changes) this.messagesChanged(chatId, messageIds);
    this.chatsChanged(result.chatIds);
    if (result.receiptChatIds?.length) {
      for (const id of result.receiptChatIds) this.receipts.add(id);
      this.wake();
    }
  }

  /**
   * An outbox entry moved: its local echo's view changed (delivery state, or
   * gone when the server's copy replaced it). The chat's row changes only when
   * the echo is written (a new entry) or settled (sent); sending, retries and
   * failures leave it as it is.
   */
  outboxChanged(entry: OutboxEntry): void {
    const item = toOutboxItem(entry);
    this.outbox.delete(item.id);
    this.outbox.set(item.id, item);
    this.wake();
    if (entry.chatId === null) return;
    if (entry.localMessageId !== null) this.messagesChanged(entry.chatId, [entry.localMessageId]);
    const rowMayChange =
      entry.state === 'sent' || (entry.state === 'pending' && entry.attempts === 0);
    if (rowMayChange) this.chatsChanged([entry.chatId]);
  }

  /** These messages of the chat were inserted, changed or removed. */
  private messagesChanged(chatId: number, messageIds: Iterable<number>): void {
    let ids = this.messages.get(chatId);
    if (!ids) this.messages.set(chatId, (ids = new Set()));
    for (const id of messageIds) ids.add(id);
    this.wake();
  }

  /** These chats' list rows may have changed. */
  private chatsChanged(chatIds: Iterable<number>): void {
    for (const id of chatIds) this.chats.add(id);
    this.wake();
  }

  /**
   * Any other event: sent in order, after the turn's deltas. An account's
   * sync.progress supersedes its earlier one of the same turn and phase (only
   * the latest count matters; a phase's end still goes out).
   */
  queue(event: DaemonEvent): void {
    if (event.name === 'sync.progress') {
      const { accountId, phase } = event.payload;
      this.others = this.others.filter(
        (e) =>
          e.name !== 'sync.progress' ||
          e.payload.accountId !== accountId ||
          e.payload.phase !== phase,
      );
    }
    this.others.push(event);
    this.wake();
  }

  /** Sends what is pending, then nothing more (the store is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.closed) return;
    const { messages, chats, receipts, outbox, others } = this;
    this.messages = new Map();
    this.chats = new Set();
    this.receipts = new Set();
    this.outbox = new Map();
    this.others = [];
    if (messages.size > 0) this.emitMessages(messages);
    if (chats.size > 0) {
      const rows = this.read.chatsById([...chats]);
      if (rows.length > 0) this.emit({ name: 'chats.updated', payload: { chats: rows } });
    }
    // After the messages: a receipt names a message the window then has.
    for (const chatId of receipts) {
      if (!this.read.receipts || !this.shown(chatId)) continue;
      this.emit({
        name: 'receipts.updated',
        payload: { chatId, receipts: this.read.receipts(chatId) },
      });
    }
    for (const item of outbox.values()) this.emit({ name: 'outbox.updated', payload: { item } });
    for (const event of others) this.emit(event);
  }

  /** One read for every chat's changed messages, then an event or two per chat. */
  private emitMessages(changed: Map<number, Set<number>>): void {
    const wanted = new Map<number, number[]>();
    for (const [chatId, set] of changed) {
      // Asked at flush time: a watch that began during the turn gets the turn's changes.
      if (!this.shown(chatId)) continue;
      // Keys grow with time: the newest are the largest.
      const ids = [...set].sort((a, b) => b - a);
      wanted.set(chatId, ids.slice(0, MAX_MESSAGES_PER_EVENT));
    }
    if (wanted.size === 0) return;
    const views = new Map<number, MessageView>();
    for (const m of this.read.messagesById([...wanted.values()].flat())) views.set(m.id, m);
    for (const [chatId, ids] of wanted) {
      const more = changed.get(chatId)!.size > ids.length;
      const found: MessageView[] = [];
      const gone: number[] = [];
      for (const id of ids) {
        const view = views.get(id);
        if (view?.chatId === chatId) found.push(view);
        else gone.push(id);
      }
      if (gone.length > 0)
        this.emit({ name: 'messages.removed', payload: { chatId, messageIds: gone } });
      if (found.length > 0 || more)
        this.emit({
          name: 'messages.upserted',
          payload: more ? { chatId, messages: found, more: true } : { chatId, messages: found },
        });
    }
  }

  private wake(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }
}
