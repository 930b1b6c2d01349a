// Web mode's notifications: the page applies the same rules the Electron shell
// does (lib/notificationRules.ts) and shows one Notification per new message
// in a background chat. Electron leaves this to the shell.
import { useEffect, useRef } from 'react';
import type { AppSettings } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';
import { decideNotification, dndActiveAt } from '../lib/notificationRules.js';
import { useDaemonEvents } from './useDaemonEvents.js';

interface Options {
  visibleChatId: number | null;
  settings: { current: AppSettings | null };
  /** The account a chat belongs to, when known. */
  accountOf(chatId: number): number | null;
  openChat(chatId: number): void;
}

export function useWebNotifications({ visibleChatId, settings, accountOf, openChat }: Options) {
  const client = useClient();
  const latest = useRef({ visibleChatId, accountOf, openChat });
  latest.current = { visibleChatId, accountOf, openChat };
  const shown = useRef(new Set<number>());

  useDaemonEvents((event) => {
    if (client.mode !== 'web' || event.name !== 'notify') return;
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const payload = event.payload;
    if (shown.current.has(payload.messageId)) return;
    const s = settings.current;
    const accountId = latest.current.accountOf(payload.chatId);
    const accountLevel = s && accountId !== null ? s.accountNotify[String(accountId)] : undefined;
    const decision = decideNotification(payload, {
      windowFocused: document.hasFocus() && document.visibilityState === 'visible',
      visibleChatId: latest.current.visibleChatId,
      dndActive: s ? dndActiveAt(s.dnd, new Date()) : false,
      accountLevel,
    });
    if (!decision.show) return;
    shown.current.add(payload.messageId);
    const n = new Notification(decision.title, {
      body: decision.body,
      tag: `parley-${payload.messageId}`,
    });
    n.onclick = () => {
      window.focus();
      latest.current.openChat(payload.chatId);
      n.close();
    };
  });

  useEffect(() => {
    const seen = shown.current;
    return () => seen.clear();
  }, []);
}
