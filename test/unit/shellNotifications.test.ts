// The shell's notification context: the DND schedule and per-account levels
// read from the daemon before the (shared) rules decide.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { notificationContext } from '../../main/shell/notificationContext.js';
import { decideNotification } from '../../main/shell/notificationPolicy.js';
import type { AppSettings } from '../../main/daemon/api/contract.js';

const event = {
  chatId: 5,
  messageId: 77,
  chatName: 'Ops',
  senderName: 'Bob',
  preview: 'deploy done',
  mentionsMe: false,
  notifyLevel: 'all' as const,
  muted: false,
};
const settings = (extra: Partial<AppSettings> = {}): AppSettings => ({
  dnd: { enabled: false, from: '22:00', to: '07:00', days: [] },
  accountNotify: {},
  ...extra,
});

describe('shell notification context', () => {
  test('a scheduled quiet window turns do-not-disturb on', async () => {
    const lookup = {
      settings: async () =>
        settings({ dnd: { enabled: true, from: '22:00', to: '07:00', days: [] } }),
      accountOf: async () => 1,
    };
    const night = await notificationContext(lookup, event, new Date(2025, 2, 3, 23, 0));
    assert.equal(night.dndActive, true);
    assert.deepEqual(
      decideNotification(event, { windowFocused: false, visibleChatId: null, ...night }),
      {
        show: false,
        reason: 'dnd',
      },
    );
    const day = await notificationContext(lookup, event, new Date(2025, 2, 3, 12, 0));
    assert.equal(day.dndActive, false);
  });

  test("the message's account level applies; no lookup when no account has one", async () => {
    let looked = 0;
    const lookup = (levels: AppSettings['accountNotify']) => ({
      settings: async () => settings({ accountNotify: levels }),
      accountOf: async () => (looked++, 3),
    });
    assert.deepEqual(await notificationContext(lookup({}), event, new Date()), {
      dndActive: false,
    });
    assert.equal(looked, 0);
    const ctx = await notificationContext(lookup({ '3': 'none' }), event, new Date());
    assert.equal(ctx.accountLevel, 'none');
    assert.equal(
      decideNotification(event, { windowFocused: false, visibleChatId: null, ...ctx }).show,
      false,
    );
  });

  test('a failing lookup never blocks a notification', async () => {
    const ctx = await notificationContext(
      {
        settings: async () => Promise.reject(new Error('worker gone')),
        accountOf: async () => null,
      },
      event,
      new Date(),
    );
    assert.deepEqual(ctx, { dndActive: false });
  });
});
