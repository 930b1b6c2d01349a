// The user's choices about a chat, as menu entries: one list for the chat
// list's context menu and the chat header.
import type { NotifyLevel, ProcedureInput } from '../../../main/daemon/api/contract.js';
import type { ChatSummary } from '../../../main/daemon/model/types.js';

export interface ChatFlagAction {
  id: string;
  label: string;
  /** For toggles and choices: whether it is on now. */
  checked?: boolean;
  flags: Omit<ProcedureInput<'chats.setFlags'>, 'chatId'>;
}

export const NOTIFY_LABELS: Record<NotifyLevel, string> = {
  all: 'All messages',
  mentions: 'Mentions only',
  none: 'Nothing',
};

/** `canBlock`: the account's server can block the chat (chats.prefs says). */
export function chatFlagActions(
  chat: ChatSummary,
  level: NotifyLevel | null,
  canBlock = false,
): ChatFlagAction[] {
  const levels = (Object.keys(NOTIFY_LABELS) as NotifyLevel[]).map((l) => ({
    id: `notify-${l}`,
    label: `Notify: ${NOTIFY_LABELS[l]}`,
    checked: level === l,
    flags: { notifyLevel: l },
  }));
  return [
    { id: 'pin', label: chat.pinned ? 'Unpin' : 'Pin', flags: { pinned: !chat.pinned } },
    { id: 'mute', label: chat.muted ? 'Unmute' : 'Mute', flags: { muted: !chat.muted } },
    {
      id: 'archive',
      label: chat.archived ? 'Move to inbox' : 'Archive',
      flags: { archived: !chat.archived },
    },
    ...levels,
    // Unblocking is offered whenever the chat is blocked, whatever the account says.
    ...(canBlock || chat.blocked
      ? [
          {
            id: 'block',
            label: chat.blocked ? 'Unblock chat' : 'Block chat',
            flags: { blocked: !chat.blocked },
          },
        ]
      : []),
  ];
}
