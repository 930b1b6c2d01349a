// Whether a 'notify' event becomes a native notification. The daemon reports
// every new message someone else wrote; the shell knows what is on screen and
// whether do-not-disturb is on. Pure, so it is tested without Electron.
import type { EventMap } from '../daemon/api/contract.js';

export type NotifyPayload = EventMap['notify'];

export interface ScreenState {
  windowFocused: boolean;
  /** The chat the window shows, if any. */
  visibleChatId: number | null;
  dndActive: boolean;
}

export type NotificationDecision =
  | { show: true; title: string; body: string }
  | { show: false; reason: 'dnd' | 'muted' | 'level-none' | 'not-a-mention' | 'on-screen' };

const PREVIEW_CHARS = 140;

export function decideNotification(
  event: NotifyPayload,
  screen: ScreenState,
): NotificationDecision {
  if (screen.dndActive) return { show: false, reason: 'dnd' };
  if (event.muted) return { show: false, reason: 'muted' };
  switch (event.notifyLevel) {
    case 'none':
      return { show: false, reason: 'level-none' };
    case 'mentions':
      if (!event.mentionsMe) return { show: false, reason: 'not-a-mention' };
      break;
    case 'all':
      break;
    default: {
      const never: never = event.notifyLevel;
      throw new Error(`unknown notify level ${String(never)}`);
    }
  }
  if (screen.windowFocused && screen.visibleChatId === event.chatId)
    return { show: false, reason: 'on-screen' };
  const title =
    event.senderName && event.senderName !== event.chatName
      ? `${event.senderName} in ${event.chatName}`
      : event.chatName;
  const preview = event.preview.replace(/\s+/g, ' ').trim();
  const body = preview.length > PREVIEW_CHARS ? `${preview.slice(0, PREVIEW_CHARS - 1)}…` : preview;
  return { show: true, title, body };
}
