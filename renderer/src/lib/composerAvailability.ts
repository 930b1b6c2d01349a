// Why a chat cannot take new messages, in the words the composer shows; null
// when it can. The daemon refuses the same writes (encryption_unavailable).
import type { ChatSummary } from '../../../main/daemon/model/types.js';

export function composerBlockedReason(
  chat: Pick<ChatSummary, 'encrypted'> & Partial<Pick<ChatSummary, 'blocked'>>,
): string | null {
  // The server refuses posts into a chat the user blocked ("You can't post into this chat.").
  if (chat.blocked)
    return 'You blocked this chat. Unblock it in the chat menu to write here again.';
  if (chat.encrypted)
    return 'This chat is end-to-end encrypted. Parley cannot encrypt messages yet, so sending, replying, editing and reacting are turned off here rather than going out unencrypted.';
  return null;
}
