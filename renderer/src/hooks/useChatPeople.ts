// The open chat's people: its members (for @-mentions, avatars and names),
// who has read how far (read receipts: read when the chat opens, then as the
// daemon pushes them with `receipts.updated` when a sync batch moves one),
// and who is typing now (the `typing` event).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { MemberView, ReceiptView } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';
import type { Reader } from '../components/ReadReceipts.js';
import { useDaemonEvents, useReconnect } from './useDaemonEvents.js';

/**
 * A receipt can name a message that is not stored yet (it arrives in a later
 * batch, or is backfilled): it reads then as "no message". Once the timeline
 * changes, receipts are read again a moment later to place it.
 */
const RECEIPTS_AFTER_MS = 1_500;

export interface ChatPeople {
  members: MemberView[];
  /** Message id → who has read up to it (not the user). */
  readers: ReadonlyMap<number, readonly Reader[]>;
  /** Names of the others typing now. */
  typing: string[];
  /** Person → their presence, from presence events seen while the chat is open. */
  presence: ReadonlyMap<string, string>;
}

export function useChatPeople(
  chatId: number,
  selfIds: ReadonlySet<string>,
  /** Changes whenever the timeline does (the newest message id), to re-read receipts. */
  timelineVersion: unknown,
): ChatPeople {
  const client = useClient();
  const [members, setMembers] = useState<MemberView[]>([]);
  const [receipts, setReceipts] = useState<ReceiptView[]>([]);
  const [typing, setTyping] = useState<{ ids: string[]; names: string[] }>({ ids: [], names: [] });

  const loadMembers = useCallback(() => {
    client.call('chats.members', { chatId }).then(setMembers, () => undefined);
  }, [client, chatId]);
  const loadReceipts = useCallback(() => {
    client.call('chats.receipts', { chatId }).then(setReceipts, () => undefined);
  }, [client, chatId]);
  useEffect(loadMembers, [loadMembers]);
  useReconnect(() => {
    loadMembers();
    loadReceipts();
  });

  useEffect(loadReceipts, [loadReceipts]);
  const unplaced = receipts.some((r) => r.messageId === null);
  useEffect(() => {
    if (!unplaced) return;
    const timer = setTimeout(loadReceipts, RECEIPTS_AFTER_MS);
    return () => clearTimeout(timer);
  }, [loadReceipts, timelineVersion, unplaced]);

  const [presence, setPresence] = useState<ReadonlyMap<string, string>>(new Map());

  useDaemonEvents((e) => {
    if (e.name === 'receipts.updated' && e.payload.chatId === chatId)
      setReceipts(e.payload.receipts);
    if (e.name === 'typing' && e.payload.chatId === chatId)
      setTyping({ ids: e.payload.personRemoteIds, names: e.payload.names });
    if (e.name === 'presence')
      setPresence((p) => new Map(p).set(e.payload.personRemoteId, e.payload.presence));
  });

  const readers = useMemo(() => {
    const avatarOf = new Map(members.map((m) => [m.personRemoteId, m.avatarUrl]));
    const map = new Map<number, Reader[]>();
    for (const r of receipts) {
      if (r.messageId === null || selfIds.has(r.personRemoteId)) continue;
      const list = map.get(r.messageId) ?? [];
      list.push({
        personRemoteId: r.personRemoteId,
        name: r.name,
        avatarUrl: avatarOf.get(r.personRemoteId) ?? null,
      });
      map.set(r.messageId, list);
    }
    return map;
  }, [receipts, members, selfIds]);

  const typingNames = useMemo(
    () => typing.names.filter((_, i) => !selfIds.has(typing.ids[i] ?? '')),
    [typing, selfIds],
  );
  return { members, readers, typing: typingNames, presence };
}

/** "Ann is typing…", "Ann and Bob are typing…", "Ann, Bob and 2 others are typing…". */
export function typingLine(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} others are typing…`;
}
