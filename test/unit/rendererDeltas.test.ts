// The renderer folds the daemon's deltas in without reading back: the timeline
// and chat list hooks, rendered with React in jsdom over a fake client that
// fails the test on any read after the first load. A reconnect still re-reads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import type { ReactNode } from 'react';
import type { ChatSummary, MessageView } from '../../main/daemon/model/types.js';
import type { DaemonEvent } from '../../main/daemon/api/contract.js';
import type { RendererClient } from '../../renderer/src/api/client.js';
import type { TimelineState } from '../../renderer/src/hooks/useTimeline.js';
import type { ChatListState } from '../../renderer/src/hooks/useChatList.js';

const CHAT = 7;

function msg(id: number, body = `message ${id}`, extra: Partial<MessageView> = {}): MessageView {
  return {
    id,
    chatId: CHAT,
    accountId: 1,
    remoteId: `$${id}`,
    senderName: 'Ann',
    senderRemoteId: '@ann',
    ts: id * 1000,
    kind: 'text',
    body,
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

function chat(id: number, name: string, lastActivityTs: number, preview: string): ChatSummary {
  return {
    id,
    accountId: 1,
    workspaceId: 1,
    remoteId: `!${id}`,
    kind: 'group',
    name,
    topic: null,
    spaceId: null,
    lastActivityTs,
    lastMessagePreview: preview,
    unreadCount: 0,
    mentionCount: 0,
    muted: false,
    pinned: false,
    archived: false,
    blocked: false,
    encrypted: false,
  };
}

/**
 * A client whose first reads answer from fixtures; every read is logged in
 * `calls`, every timeline.watch in `watches` (the chats the window shows),
 * both in `log` in the order they were sent.
 */
function fakeClient(answers: Record<string, (input: unknown) => unknown>) {
  const listeners = new Set<(e: DaemonEvent) => void>();
  const connection = new Set<(state: 'connecting' | 'open' | 'closed', ever: boolean) => void>();
  const calls: string[] = [];
  const watches: number[][] = [];
  const log: string[] = [];
  const client = {
    mode: 'web',
    async call(name: string, input: unknown) {
      log.push(name);
      if (name === 'timeline.watch') {
        watches.push((input as { chatIds: number[] }).chatIds);
        return null;
      }
      calls.push(name);
      const answer = answers[name];
      if (!answer) throw new Error(`unexpected call ${name}`);
      return answer(input);
    },
    subscribe(listener: (e: DaemonEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnection(listener: (state: 'connecting' | 'open' | 'closed', ever: boolean) => void) {
      connection.add(listener);
      listener('open', true);
      return () => connection.delete(listener);
    },
  } as unknown as RendererClient;
  return {
    client,
    calls,
    watches,
    log,
    push: (e: DaemonEvent) => listeners.forEach((l) => l(e)),
    reconnect: () => {
      for (const l of connection) l('closed', true);
      for (const l of connection) l('open', true);
    },
  };
}

let dom: JSDOM;
before(() => {
  dom = new JSDOM('<!doctype html><div id="root"></div>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  // Node 21+ has a navigator of its own; React reads userAgent from whichever there is.
  Object.defineProperty(globalThis, 'navigator', {
    value: dom.window.navigator,
    configurable: true,
  });
  g.IS_REACT_ACT_ENVIRONMENT = true;
});
after(() => dom.window.close());

/** Renders `hook` in a component under the fake client; `read()` is its latest value. */
async function mount<T>(client: RendererClient, hook: () => T) {
  const { createElement, act } = await import('react');
  const { createRoot } = await import('react-dom/client');
  const { ClientContext } = await import('../../renderer/src/api/ClientContext.js');
  let latest: T | undefined;
  const Probe = (): ReactNode => {
    latest = hook();
    return null;
  };
  const root = createRoot(document.getElementById('root')!);
  await act(async () =>
    root.render(createElement(ClientContext.Provider, { value: client }, createElement(Probe))),
  );
  return {
    read: () => latest!,
    act: (fn: () => void) => act(async () => fn()),
    unmount: () => act(async () => root.unmount()),
  };
}

describe('renderer: deltas fold in without a read back', () => {
  test('the timeline takes new, changed and removed messages from the events alone', async () => {
    const { useTimeline } = await import('../../renderer/src/hooks/useTimeline.js');
    const fake = fakeClient({
      // Newest first, as the daemon pages.
      'messages.page': () => [msg(30), msg(20), msg(10)],
      'messages.byIds': (input) => (input as { ids: number[] }).ids.map((id) => msg(id, 'reread')),
    });
    const view = await mount<TimelineState>(fake.client, () => useTimeline(CHAT));
    try {
      const bodies = () => view.read().messages.map((m) => `${m.id}:${m.body}`);
      assert.deepEqual(bodies(), ['10:message 10', '20:message 20', '30:message 30']);
      fake.calls.length = 0;

      // A new message, an edit and a local echo arrive in one delta.
      await view.act(() =>
        fake.push({
          name: 'messages.upserted',
          payload: {
            chatId: CHAT,
            messages: [
              msg(50, 'my echo', { outboxState: 'pending' }),
              msg(40, 'new one'),
              msg(20, 'edited', { edited: true }),
            ],
          },
        }),
      );
      assert.deepEqual(bodies(), [
        '10:message 10',
        '20:edited',
        '30:message 30',
        '40:new one',
        '50:my echo',
      ]);
      // Another chat's delta is not this timeline's.
      await view.act(() =>
        fake.push({
          name: 'messages.upserted',
          payload: { chatId: CHAT + 1, messages: [{ ...msg(60, 'elsewhere'), chatId: CHAT + 1 }] },
        }),
      );
      // The server's copy replaced the echo.
      await view.act(() => {
        fake.push({ name: 'messages.removed', payload: { chatId: CHAT, messageIds: [50] } });
        fake.push({
          name: 'messages.upserted',
          payload: { chatId: CHAT, messages: [msg(55, 'my echo')] },
        });
      });
      assert.deepEqual(bodies(), [
        '10:message 10',
        '20:edited',
        '30:message 30',
        '40:new one',
        '55:my echo',
      ]);
      assert.deepEqual(fake.calls, [], 'no call at all: the events carried everything');

      // Events may have been lost while the connection was down: now it reads again.
      await view.act(() => fake.reconnect());
      assert.deepEqual(fake.calls, ['messages.page']);
      assert.deepEqual(bodies(), ['10:message 10', '20:message 20', '30:message 30']);
    } finally {
      await view.unmount();
    }
  });

  test('a delta that says `more` re-reads the newest page instead of folding a part', async () => {
    const { useTimeline } = await import('../../renderer/src/hooks/useTimeline.js');
    let page = [msg(30), msg(20), msg(10)];
    const fake = fakeClient({ 'messages.page': () => page });
    const view = await mount<TimelineState>(fake.client, () => useTimeline(CHAT));
    try {
      fake.calls.length = 0;
      page = [msg(900), msg(899), msg(898)];
      await view.act(() =>
        fake.push({
          name: 'messages.upserted',
          payload: { chatId: CHAT, messages: [msg(900), msg(899)], more: true },
        }),
      );
      assert.deepEqual(fake.calls, ['messages.page']);
      assert.deepEqual(
        view.read().messages.map((m) => m.id),
        [898, 899, 900],
        'a window without a gap',
      );
    } finally {
      await view.unmount();
    }
  });

  test('a `more` delta of history far below the window (backfill) leaves the window as it is', async () => {
    const { useTimeline } = await import('../../renderer/src/hooks/useTimeline.js');
    // A full first page: the chat has older messages than these.
    const firstPage = Array.from({ length: 40 }, (_, i) => msg(2000 - i));
    const fake = fakeClient({ 'messages.page': () => firstPage });
    const view = await mount<TimelineState>(fake.client, () => useTimeline(CHAT));
    try {
      assert.equal(view.read().hasOlder, true);
      fake.calls.length = 0;
      const before = view.read().messages;
      await view.act(() =>
        fake.push({
          name: 'messages.upserted',
          payload: { chatId: CHAT, messages: [msg(900), msg(899)], more: true },
        }),
      );
      assert.deepEqual(fake.calls, [], 'nothing to re-read');
      assert.equal(view.read().messages, before, 'older pages bring that history when scrolled to');
    } finally {
      await view.unmount();
    }
  });

  test('after a reconnect, an older stretch (after a jump) is re-read in place by id', async () => {
    const { useTimeline } = await import('../../renderer/src/hooks/useTimeline.js');
    // 60 on each side of the target: the window stops short of the newest message.
    const around = Array.from({ length: 121 }, (_, i) => msg(1120 - i));
    const fake = fakeClient({
      'messages.page': () => [msg(5000), msg(4999)],
      'messages.around': () => around,
      'messages.byIds': (input) =>
        (input as { ids: number[] }).ids.map((id) =>
          msg(id, id === 1060 ? 'edited meanwhile' : undefined),
        ),
    });
    const view = await mount<TimelineState>(fake.client, () => useTimeline(CHAT));
    try {
      await view.act(() => void view.read().ensureLoaded(1060));
      assert.equal(view.read().hasNewer, true);
      fake.calls.length = 0;
      await view.act(() => fake.reconnect());
      assert.deepEqual(fake.calls, ['messages.byIds']);
      const target = view.read().messages.find((m) => m.id === 1060);
      assert.equal(target?.body, 'edited meanwhile', 'the stretch stays, read again');
      assert.equal(view.read().messages.length, 121);
    } finally {
      await view.unmount();
    }
  });

  test('the timeline watches its chat before reading it, again after a reconnect, and no more once gone', async () => {
    const { useTimeline } = await import('../../renderer/src/hooks/useTimeline.js');
    const { useState } = await import('react');
    const fake = fakeClient({
      'messages.page': (input) => {
        const { chatId } = input as { chatId: number };
        return [{ ...msg(30), chatId }];
      },
    });
    let open: (chatId: number) => void = () => undefined;
    const view = await mount<TimelineState>(fake.client, () => {
      const [shown, setShown] = useState(CHAT);
      open = setShown;
      return useTimeline(shown);
    });
    try {
      assert.deepEqual(fake.log, ['timeline.watch', 'messages.page'], 'the watch goes first');
      assert.deepEqual(fake.watches, [[CHAT]]);

      // Another chat opens: the daemon hears the window's new set, then the read.
      fake.log.length = 0;
      await view.act(() => open(CHAT + 1));
      assert.deepEqual(fake.log, ['timeline.watch', 'messages.page']);
      assert.deepEqual(fake.watches.at(-1), [CHAT + 1]);
      // A delta of the chat shown now folds in.
      await view.act(() =>
        fake.push({
          name: 'messages.upserted',
          payload: { chatId: CHAT + 1, messages: [{ ...msg(40, 'new'), chatId: CHAT + 1 }] },
        }),
      );
      assert.deepEqual(
        view.read().messages.map((m) => m.body),
        ['message 30', 'new'],
      );

      // A new connection has no watch: the same set is sent again, before the re-read.
      fake.log.length = 0;
      await view.act(() => fake.reconnect());
      assert.deepEqual(fake.log, ['timeline.watch', 'messages.page']);
      assert.deepEqual(fake.watches.at(-1), [CHAT + 1]);
    } finally {
      await view.unmount();
    }
    assert.deepEqual(fake.watches.at(-1), [], 'closed: the window shows no timeline');
  });

  test('opening another chat remounts the timeline and sends one timeline.watch, not two', async () => {
    // As App renders it: the conversation is keyed by the chat, so opening
    // another chat unmounts one timeline and mounts another in one commit.
    const { useTimeline } = await import('../../renderer/src/hooks/useTimeline.js');
    const { createElement, useState, Fragment } = await import('react');
    const fake = fakeClient({
      'messages.page': (input) => {
        const { chatId } = input as { chatId: number };
        return [{ ...msg(30), chatId }];
      },
    });
    const Shown = ({ chatId }: { chatId: number }): ReactNode => {
      useTimeline(chatId);
      return null;
    };
    let open: (chatId: number) => void = () => undefined;
    const { act } = await import('react');
    const { createRoot } = await import('react-dom/client');
    const { ClientContext } = await import('../../renderer/src/api/ClientContext.js');
    const App = (): ReactNode => {
      const [shown, setShown] = useState(CHAT);
      open = setShown;
      return createElement(Fragment, null, createElement(Shown, { key: shown, chatId: shown }));
    };
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    try {
      await act(async () =>
        root.render(
          createElement(ClientContext.Provider, { value: fake.client }, createElement(App)),
        ),
      );
      assert.deepEqual(fake.watches, [[CHAT]]);
      fake.log.length = 0;
      await act(async () => open(CHAT + 1));
      assert.deepEqual(fake.log, ['timeline.watch', 'messages.page'], 'one watch, then the read');
      assert.deepEqual(fake.watches.at(-1), [CHAT + 1]);
      await act(async () => root.unmount());
      assert.deepEqual(fake.watches.at(-1), [], 'closed: the window shows no timeline');
      assert.equal(fake.watches.length, 3);
    } finally {
      host.remove();
    }
  });

  test('a chat opened with openingTimeline is watched and read at the click, once, and read again if it changed meanwhile', async () => {
    const { useTimeline, openingTimeline } =
      await import('../../renderer/src/hooks/useTimeline.js');
    const { createElement, useState, act } = await import('react');
    const { createRoot } = await import('react-dom/client');
    const { ClientContext } = await import('../../renderer/src/api/ClientContext.js');
    let reads = 0;
    const fake = fakeClient({
      'messages.page': (input) => {
        const { chatId } = input as { chatId: number };
        reads += 1;
        return [{ ...msg(30, `read ${reads}`), chatId }];
      },
    });
    let latest: TimelineState | null = null;
    const Shown = ({ chatId }: { chatId: number }): ReactNode => {
      latest = useTimeline(chatId);
      return null;
    };
    let open: (chatId: number) => void = () => undefined;
    const App = (): ReactNode => {
      const [shown, setShown] = useState(CHAT);
      open = setShown;
      return createElement(Shown, { key: shown, chatId: shown });
    };
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    try {
      await act(async () =>
        root.render(
          createElement(ClientContext.Provider, { value: fake.client }, createElement(App)),
        ),
      );
      fake.log.length = 0;
      // As App.openChat does: the read goes out at the click, before the render.
      openingTimeline(fake.client, CHAT, CHAT + 1);
      assert.deepEqual(
        fake.log,
        ['timeline.watch', 'messages.page'],
        'watched, then read, at once',
      );
      assert.deepEqual(fake.watches.at(-1), [CHAT + 1]);
      await act(async () => open(CHAT + 1));
      assert.deepEqual(fake.log, ['timeline.watch', 'messages.page'], 'nothing more on mount');
      assert.deepEqual(
        latest!.messages.map((m) => m.body),
        ['read 2'],
      );

      // A change to the chat before its timeline mounted: the prefetched page is not used.
      fake.log.length = 0;
      openingTimeline(fake.client, CHAT + 1, CHAT + 2);
      fake.push({
        name: 'messages.upserted',
        payload: { chatId: CHAT + 2, messages: [{ ...msg(40, 'meanwhile'), chatId: CHAT + 2 }] },
      });
      await act(async () => open(CHAT + 2));
      assert.deepEqual(fake.log, ['timeline.watch', 'messages.page', 'messages.page']);
      assert.deepEqual(
        latest!.messages.map((m) => m.body),
        ['read 4'],
      );
      await act(async () => root.unmount());
      assert.deepEqual(fake.watches.at(-1), [], 'closed: the window shows no timeline');
    } finally {
      host.remove();
    }
  });

  test('the chat list takes changed rows from chats.updated alone', async () => {
    const { useChatList } = await import('../../renderer/src/hooks/useChatList.js');
    const fake = fakeClient({
      'chats.list': () => ({
        chats: [chat(1, 'Alpha', 2000, 'older'), chat(2, 'Beta', 1000, 'oldest')],
        nextCursor: null,
      }),
    });
    const view = await mount<ChatListState>(fake.client, () => useChatList({ kind: 'all' }));
    try {
      const rows = () => view.read().chats.map((c) => `${c.name}:${c.lastMessagePreview}`);
      assert.deepEqual(rows(), ['Alpha:older', 'Beta:oldest']);
      // The whole list is read once the first screen has painted (lib/afterPaint.ts).
      await view.act(() => new Promise((done) => setTimeout(done, 20)));
      assert.deepEqual(fake.calls, ['chats.list', 'chats.list'], 'the first screen, then all');
      fake.calls.length = 0;
      await view.act(() =>
        fake.push({ name: 'chats.updated', payload: { chats: [chat(2, 'Beta', 3000, 'newest')] } }),
      );
      assert.deepEqual(rows(), ['Beta:newest', 'Alpha:older'], 'the changed chat moves to the top');
      assert.deepEqual(fake.calls, []);
    } finally {
      await view.unmount();
    }
  });
});
