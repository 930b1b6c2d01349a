// The renderer's pure parts: virtual list arithmetic, timeline rows, live
// merges, notification rules and account-setup errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageView } from '../../main/daemon/model/types.js';
import {
  anchoredScrollTop,
  layoutRows,
  rowAt,
  settledInView,
  visibleRange,
} from '../../renderer/src/lib/virtualRows.js';
import { buildRows, lastOwnEditable, threadMessages } from '../../renderer/src/lib/timelineRows.js';
import { applyUpserts } from '../../renderer/src/lib/timelineMerge.js';
import {
  decideNotification,
  dndActiveAt,
  effectiveLevel,
} from '../../renderer/src/lib/notificationRules.js';
import { accountErrors } from '../../renderer/src/lib/protocols.js';
import { fullTime, timeOfDay } from '../../renderer/src/lib/format.js';
import {
  attachmentsBlockedReason,
  composerBlockedReason,
} from '../../renderer/src/lib/composerAvailability.js';

const DAY = 24 * 3600_000;
const base = new Date(2025, 2, 3, 9, 0).getTime();

function msg(id: number, extra: Partial<MessageView> = {}): MessageView {
  return {
    id,
    chatId: 1,
    accountId: 1,
    remoteId: `$${id}`,
    senderName: 'Ann',
    senderRemoteId: '@ann',
    ts: base + id * 60_000,
    kind: 'text',
    body: `message ${id}`,
    html: null,
    subject: null,
    replyToRemoteId: null,
    threadRootRemoteId: null,
    edited: false,
    deleted: false,
    reactions: [],
    attachments: [],
    outboxState: null,
    ...extra,
  };
}

describe('virtual rows', () => {
  const keys = ['a', 'b', 'c', 'd', 'e'];
  const heights = new Map([
    ['a', 10],
    ['c', 30],
  ]);
  const layout = layoutRows(keys, heights, () => 20);

  test('offsets use measured heights where known and the estimate elsewhere', () => {
    assert.deepEqual([...layout.offsets], [0, 10, 30, 60, 80, 100]);
    assert.equal(layout.total, 100);
  });

  test('rowAt finds the row covering a y position', () => {
    assert.equal(rowAt(layout, 0), 0);
    assert.equal(rowAt(layout, 9.9), 0);
    assert.equal(rowAt(layout, 10), 1);
    assert.equal(rowAt(layout, 59), 2);
    assert.equal(rowAt(layout, 1000), 4);
  });

  test('a position is in a settled view only when every row the viewport shows is measured', () => {
    // Rows a (0–10) and c (30–60) are measured; b (10–30) is estimated.
    assert.equal(settledInView(layout, keys, heights, 30, 20, 35), true);
    assert.equal(settledInView(layout, keys, heights, 0, 9, 5), true);
    // b is in view, estimated: the layout will still move.
    assert.equal(settledInView(layout, keys, heights, 0, 40, 5), false);
    assert.equal(settledInView(layout, keys, heights, 20, 20, 35), false);
    // Outside the viewport.
    assert.equal(settledInView(layout, keys, heights, 30, 20, 50), false);
    assert.equal(settledInView(layout, keys, heights, 30, 20, 29), false);
    const all = new Map(keys.map((k) => [k, 20]));
    assert.equal(
      settledInView(
        layoutRows(keys, all, () => 20),
        keys,
        all,
        0,
        100,
        99,
      ),
      true,
    );
  });

  test('visibleRange covers the viewport plus overscan, clamped', () => {
    assert.deepEqual(visibleRange(layout, 30, 20, 0), { start: 2, end: 3 });
    assert.deepEqual(visibleRange(layout, 30, 20, 15), { start: 1, end: 4 });
    assert.deepEqual(
      visibleRange(
        layoutRows([], new Map(), () => 1),
        0,
        100,
        10,
      ),
      {
        start: 0,
        end: 0,
      },
    );
  });

  test('an anchor keeps its distance from the top when rows go in above it', () => {
    // Anchor 'c' sat 5px below the viewport top; three 20px rows are prepended.
    const grown = layoutRows(['x', 'y', 'z', ...keys], heights, () => 20);
    assert.equal(anchoredScrollTop(grown, 5, 5), 90 - 5);
  });

  test('100k rows lay out and search fast', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => `m${i}`);
    const t = performance.now();
    const big = layoutRows(many, new Map(), () => 50);
    const r = visibleRange(big, 2_500_000, 800, 400);
    assert.ok(performance.now() - t < 100);
    assert.deepEqual(r, { start: 49_992, end: 50_025 });
  });
});

describe('message times', () => {
  test('remembered by the minute, each time still reads as its own minute', () => {
    const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    const base = Date.UTC(2026, 2, 3, 14, 5, 0);
    // Twice each (the second answer comes from what was remembered), seconds apart and minutes apart.
    for (const ts of [base, base + 59_000, base + 60_000, base + 86_400_000 * 40, base])
      for (let k = 0; k < 2; k++) {
        assert.equal(timeOfDay(ts), clock.format(new Date(ts)));
        assert.equal(fullTime(ts), full.format(new Date(ts)));
      }
    assert.notEqual(timeOfDay(base), timeOfDay(base + 60_000));
  });
});

describe('timeline rows', () => {
  test('day separators between days; grouping by sender within five minutes', () => {
    const rows = buildRows([
      msg(1),
      msg(2),
      msg(3, { senderRemoteId: '@bob', senderName: 'Bob' }),
      msg(20),
      msg(4000, { ts: base + DAY }),
    ]);
    assert.deepEqual(
      rows.map((r) => (r.kind === 'message' ? `${r.message.id}${r.continued ? '+' : ''}` : r.kind)),
      ['day', '1', '2+', '3', '20', 'day', '4000'],
    );
  });

  test('thread replies leave the main timeline and count under their root', () => {
    const messages = [
      msg(1),
      msg(2, { threadRootRemoteId: '$1' }),
      msg(3, { threadRootRemoteId: '$1' }),
      msg(4),
    ];
    const rows = buildRows(messages).filter((r) => r.kind === 'message');
    assert.deepEqual(
      rows.map((r) => (r.kind === 'message' ? [r.message.id, r.threadReplies] : null)),
      [
        [1, 2],
        [4, 0],
      ],
    );
    assert.deepEqual(
      threadMessages(messages, '$1').map((m) => m.id),
      [1, 2, 3],
    );
  });

  test('system and mail messages never group', () => {
    const rows = buildRows([msg(1, { kind: 'system' }), msg(2, { kind: 'system' })]);
    assert.equal(rows.filter((r) => r.kind === 'message' && r.continued).length, 0);
  });

  test('the last own editable message skips local echoes and others', () => {
    const mine = (m: MessageView) => m.senderRemoteId === '@me';
    const list = [
      msg(1, { senderRemoteId: '@me' }),
      msg(2),
      msg(3, { senderRemoteId: '@me', remoteId: null, outboxState: 'pending' }),
    ];
    assert.equal(lastOwnEditable(list, mine)?.id, 1);
    assert.equal(lastOwnEditable([msg(2)], mine), null);
  });
});

describe('live merges (messages.byIds)', () => {
  test('known messages are replaced in place; gone ones dropped; newer ones added in order', () => {
    const current = [msg(10), msg(20), msg(30)];
    const next = applyUpserts(
      current,
      [20, 30, 40, 25],
      [msg(20, { body: 'edited', edited: true }), msg(40), msg(25)],
      true,
    );
    assert.deepEqual(
      next.map((m) => [m.id, m.body]),
      [
        [10, 'message 10'],
        [20, 'edited'],
        [25, 'message 25'],
        [40, 'message 40'],
      ],
    );
  });

  test('older than the loaded stretch stays out while there is older history', () => {
    const current = [msg(10), msg(20)];
    assert.equal(applyUpserts(current, [5], [msg(5)], true), current);
    assert.deepEqual(
      applyUpserts(current, [5], [msg(5)], false).map((m) => m.id),
      [5, 10, 20],
    );
  });
});

describe('notification rules', () => {
  const event = (extra = {}) => ({
    chatId: 5,
    messageId: 9,
    chatName: 'Design',
    senderName: 'Ann',
    preview: 'hello',
    mentionsMe: false,
    notifyLevel: 'all' as const,
    muted: false,
    ...extra,
  });
  const screen = (extra = {}) => ({
    windowFocused: false,
    visibleChatId: null,
    dndActive: false,
    ...extra,
  });

  test('the stricter of the chat and account levels wins', () => {
    assert.equal(effectiveLevel('all', 'mentions'), 'mentions');
    assert.equal(effectiveLevel('none', 'all'), 'none');
    assert.equal(effectiveLevel('mentions', undefined), 'mentions');
    assert.deepEqual(decideNotification(event(), screen({ accountLevel: 'mentions' })), {
      show: false,
      reason: 'not-a-mention',
    });
    assert.equal(
      decideNotification(event({ mentionsMe: true }), screen({ accountLevel: 'mentions' })).show,
      true,
    );
  });

  test('do-not-disturb windows, also across midnight and on chosen days', () => {
    const at = (day: number, h: number, m = 0) => new Date(2025, 2, 2 + day, h, m); // 2 Mar 2025 is a Sunday
    const night = { enabled: true, from: '22:00', to: '07:00', days: [] };
    assert.equal(dndActiveAt(night, at(1, 23)), true);
    assert.equal(dndActiveAt(night, at(1, 6, 59)), true);
    assert.equal(dndActiveAt(night, at(1, 7)), false);
    assert.equal(dndActiveAt(night, at(1, 12)), false);
    assert.equal(dndActiveAt({ ...night, enabled: false }, at(1, 23)), false);
    const lunch = { enabled: true, from: '12:00', to: '13:30', days: [1, 2, 3, 4, 5] };
    assert.equal(dndActiveAt(lunch, at(1, 12, 30)), true); // Monday
    assert.equal(dndActiveAt(lunch, at(0, 12, 30)), false); // Sunday
    // Friday night's window runs into Saturday morning; Saturday night's does not exist.
    const weeknights = { enabled: true, from: '22:00', to: '07:00', days: [5] };
    assert.equal(dndActiveAt(weeknights, at(6, 6)), true); // Saturday 06:00
    assert.equal(dndActiveAt(weeknights, at(6, 23)), false); // Saturday 23:00
  });
});

describe('account setup errors', () => {
  test('each accounts.add error lands where the user looks', () => {
    assert.deepEqual(
      accountErrors('auth_failed', 'sign-in failed: M_FORBIDDEN', undefined, 'matrix'),
      {
        form: 'Could not sign in: M_FORBIDDEN',
        fields: { password: 'Check the username and password.' },
      },
    );
    assert.equal(
      accountErrors('not_implemented', 'x', undefined, 'unichat').form,
      'Parley cannot connect to unichat accounts yet.',
    );
    assert.deepEqual(accountErrors('conflict', 'exists', undefined, 'matrix').fields, {
      username: 'Already added.',
    });
    const invalid = accountErrors(
      'invalid_input',
      'invalid input for accounts.add',
      [
        { path: 'server', message: 'Invalid URL' },
        { path: 'password', message: 'Too small: expected string to have >=1 characters' },
      ],
      'matrix',
    );
    assert.equal(invalid.form, null);
    assert.equal(invalid.fields.server, 'Enter a full address, like https://example.org');
    assert.match(invalid.fields.password ?? '', /Too small/);
  });
});

describe('composer availability', () => {
  test('an encrypted chat takes messages and files only when its account encrypts; a blocked chat says why; any other chat takes both', () => {
    assert.match(composerBlockedReason({ encrypted: true }) ?? '', /end-to-end encrypted/);
    assert.match(composerBlockedReason({ encrypted: true }, false) ?? '', /cannot encrypt/);
    assert.equal(composerBlockedReason({ encrypted: true }, true), null);
    assert.match(attachmentsBlockedReason({ encrypted: true }) ?? '', /cannot encrypt/);
    assert.equal(attachmentsBlockedReason({ encrypted: true }, true), null);
    assert.equal(composerBlockedReason({ encrypted: false }), null);
    assert.match(
      composerBlockedReason({ encrypted: false, blocked: true }) ?? '',
      /You blocked this chat/,
    );
    assert.equal(attachmentsBlockedReason({ encrypted: false }), null);
  });
});
