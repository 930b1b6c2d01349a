// Why a chat cannot take new messages (or files), in the words the composer
// shows; null when it can. The daemon refuses the same writes
// (encryption_unavailable).
import type { ChatSummary } from '../../../main/daemon/model/types.js';

/** `accountEncrypts`: the chat's account can encrypt (accounts.list `encrypts`). */
export function composerBlockedReason(
  chat: Pick<ChatSummary, 'encrypted'> & Partial<Pick<ChatSummary, 'blocked'>>,
  accountEncrypts = false,
): string | null {
  // The server refuses posts into a chat the user blocked ("You can't post into this chat.").
  if (chat.blocked)
    return 'You blocked this chat. Unblock it in the chat menu to write here again.';
  if (chat.encrypted && !accountEncrypts)
    return 'This chat is end-to-end encrypted and this account cannot encrypt (sign in again to set up encryption), so sending, replying, editing and reacting are turned off here rather than going out unencrypted.';
  return null;
}

/** Files go into an encrypted chat encrypted, so only when the account encrypts. */
export function attachmentsBlockedReason(
  chat: Pick<ChatSummary, 'encrypted'>,
  accountEncrypts = false,
): string | null {
  return chat.encrypted && !accountEncrypts
    ? 'Files cannot be sent here: this account cannot encrypt them.'
    : null;
}
