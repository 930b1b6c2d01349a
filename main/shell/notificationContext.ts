// What the shell reads from the daemon before deciding about a notification:
// the do-not-disturb schedule and the account's level. Pure over an injected
// lookup (the daemon's API in main/index.ts), so it is tested in Node.
import type { AppSettings, EventMap, NotifyLevel } from '../daemon/api/contract.js';
import { dndActiveAt } from './notificationPolicy.js';

export interface NotificationLookup {
  settings(): Promise<AppSettings | null>;
  /** The account a message belongs to. */
  accountOf(messageId: number): Promise<number | null>;
}

export async function notificationContext(
  lookup: NotificationLookup,
  event: EventMap['notify'],
  now: Date,
): Promise<{ dndActive: boolean; accountLevel?: NotifyLevel }> {
  const settings = await lookup.settings().catch(() => null);
  if (!settings) return { dndActive: false };
  const dndActive = dndActiveAt(settings.dnd, now);
  if (dndActive || Object.keys(settings.accountNotify).length === 0) return { dndActive };
  const accountId = await lookup.accountOf(event.messageId).catch(() => null);
  const level = accountId === null ? undefined : settings.accountNotify[String(accountId)];
  return level ? { dndActive, accountLevel: level } : { dndActive };
}
