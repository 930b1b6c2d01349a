// Whether a 'notify' event becomes a notification: the daemon reports every
// new message someone else wrote; the host knows what is on screen, the
// do-not-disturb schedule and per-account levels. Pure, so it is tested in
// Node. The renderer declares these rules (web mode shows notifications
// itself); the Electron shell applies the same ones (main/shell/notificationPolicy.ts).
import type { DndSchedule, EventMap, NotifyLevel } from '../../../main/daemon/api/contract.js';

export type NotifyPayload = EventMap['notify'];

export interface ScreenState {
  windowFocused: boolean;
  /** The chat the window shows, if any. */
  visibleChatId: number | null;
  dndActive: boolean;
  /** The account's level, when the user set one. */
  accountLevel?: NotifyLevel;
}

export type NotificationDecision =
  | { show: true; title: string; body: string }
  | { show: false; reason: 'dnd' | 'muted' | 'level-none' | 'not-a-mention' | 'on-screen' };

const PREVIEW_CHARS = 140;
const STRICTNESS: Record<NotifyLevel, number> = { all: 0, mentions: 1, none: 2 };

/** The stricter of the chat's and the account's level. */
export function effectiveLevel(chat: NotifyLevel, account: NotifyLevel | undefined): NotifyLevel {
  if (!account) return chat;
  return STRICTNESS[account] > STRICTNESS[chat] ? account : chat;
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * Whether the quiet window covers `now` (local time). A window that ends
 * before it starts crosses midnight; `days` names the days it starts on.
 */
export function dndActiveAt(schedule: DndSchedule, now: Date): boolean {
  if (!schedule.enabled) return false;
  const from = minutes(schedule.from);
  const to = minutes(schedule.to);
  if (from === to) return false;
  const at = now.getHours() * 60 + now.getMinutes();
  const startsOn = (day: number) => schedule.days.length === 0 || schedule.days.includes(day);
  const today = now.getDay();
  if (from < to) return at >= from && at < to && startsOn(today);
  // Crosses midnight: the evening part started today, the morning part yesterday.
  if (at >= from) return startsOn(today);
  if (at < to) return startsOn((today + 6) % 7);
  return false;
}

export function decideNotification(
  event: NotifyPayload,
  screen: ScreenState,
): NotificationDecision {
  if (screen.dndActive) return { show: false, reason: 'dnd' };
  if (event.muted) return { show: false, reason: 'muted' };
  const level = effectiveLevel(event.notifyLevel, screen.accountLevel);
  switch (level) {
    case 'none':
      return { show: false, reason: 'level-none' };
    case 'mentions':
      if (!event.mentionsMe) return { show: false, reason: 'not-a-mention' };
      break;
    case 'all':
      break;
    default: {
      const never: never = level;
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
