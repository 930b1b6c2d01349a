// Shows native notifications for the daemon's 'notify' events, as the
// notification rules decide (notificationPolicy.ts): mute, per-chat and
// per-account levels, what is on screen, and do-not-disturb — switched on by
// the renderer or by the schedule in the app settings. A click brings the
// window forward and opens the chat.
import { Notification, type BrowserWindow } from 'electron';
import type { DaemonEvent } from '../daemon/api/contract.js';
import { notificationContext, type NotificationLookup } from './notificationContext.js';
import { decideNotification } from './notificationPolicy.js';

export interface NotificationCenter {
  onEvent(event: DaemonEvent): void;
  setVisibleChat(chatId: number | null): void;
  setDoNotDisturb(active: boolean): void;
}

export function createNotificationCenter(
  window: BrowserWindow,
  openChat: (chatId: number) => void,
  lookup: NotificationLookup,
): NotificationCenter {
  let visibleChatId: number | null = null;
  let manualDnd = false;
  // Keep shown notifications referenced, or their click handlers are collected.
  const shown = new Set<Notification>();

  const show = (event: Extract<DaemonEvent, { name: 'notify' }>, title: string, body: string) => {
    const notification = new Notification({ title, body, silent: false });
    shown.add(notification);
    const forget = () => shown.delete(notification);
    notification.on('click', () => {
      forget();
      if (window.isDestroyed()) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
      openChat(event.payload.chatId);
    });
    notification.on('close', forget);
    notification.show();
  };

  return {
    onEvent(event) {
      if (event.name !== 'notify' || !Notification.isSupported()) return;
      const windowFocused = !window.isDestroyed() && window.isFocused() && window.isVisible();
      void notificationContext(lookup, event.payload, new Date()).then((context) => {
        const decision = decideNotification(event.payload, {
          windowFocused,
          visibleChatId,
          dndActive: manualDnd || context.dndActive,
          accountLevel: context.accountLevel,
        });
        if (decision.show) show(event, decision.title, decision.body);
      });
    },
    setVisibleChat(chatId) {
      visibleChatId = chatId;
    },
    setDoNotDisturb(active) {
      manualDnd = active;
    },
  };
}
