// The number on the dock/taskbar badge and in the tray tooltip: unread
// messages in chats the user wants to hear from, plus mentions anywhere
// (a muted chat still counts when someone calls you by name).
import type { ChatSummary } from '../daemon/model/types.js';

export function badgeCount(chats: readonly ChatSummary[]): number {
  let n = 0;
  for (const c of chats) {
    if (c.archived) continue;
    n += c.muted ? c.mentionCount : c.unreadCount;
  }
  return n;
}

export function trayTooltip(count: number, doNotDisturb: boolean): string {
  const unread = count === 0 ? 'no unread messages' : `${count} unread`;
  return `Parley — ${unread}${doNotDisturb ? ' · do not disturb' : ''}`;
}
