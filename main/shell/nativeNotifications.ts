// Shows native notifications for the daemon's 'notify' events, as the
// notification policy decides. A click brings the window forward and opens
// the chat.
import { Notification, type BrowserWindow } from 'electron';
import type { DaemonEvent } from '../daemon/api/contract.js';
import { decideNotification, type ScreenState } from './notificationPolicy.js';

export interface NotificationCenter {
  onEvent(event: DaemonEvent): void;
  setVisibleChat(chatId: number | null): void;
  setDoNotDisturb(active: boolean): void;
}

export function createNotificationCenter(
  window: BrowserWindow,
  openChat: (chatId: number) => void,
): NotificationCenter {
  let visibleChatId: number | null = null;
  let dndActive = false;
  // Keep shown notifications referenced, or their click handlers are collected.
  const shown = new Set<Notification>();

  const screen = (): ScreenState => ({
    windowFocused: !window.isDestroyed() && window.isFocused() && window.isVisible(),
    visibleChatId,
    dndActive,
  });

  return {
    onEvent(event) {
      if (event.name !== 'notify' || !Notification.isSupported()) return;
      const decision = decideNotification(event.payload, screen());
      if (!decision.show) return;
      const notification = new Notification({
        title: decision.title,
        body: decision.body,
        silent: false,
      });
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
    },
    setVisibleChat(chatId) {
      visibleChatId = chatId;
    },
    setDoNotDisturb(active) {
      dndActive = active;
    },
  };
}
