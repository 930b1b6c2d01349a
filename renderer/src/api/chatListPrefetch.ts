// The chat list's first page is asked for as the page starts (main.tsx),
// before React has rendered: the call goes out the moment the connection
// opens, not once the app's first render has run its effects, which on a
// loaded machine come tens of milliseconds after the socket opened (issue
// #14: chat list first paint ≤ 200 ms). useChatList takes the page when it
// mounts with the same request.
//
// Chats that change before the hook subscribes would be missed by it: the
// prefetch keeps every `chats.updated` until it is taken, and the hook folds
// them into the page (folding one the page already holds changes nothing).
import type {
  ParleyClient,
  ProcedureInput,
  ProcedureOutput,
} from '../../../main/daemon/api/contract.js';
import type { ChatSummary } from '../../../main/daemon/model/types.js';

type Input = ProcedureInput<'chats.list'>;
type Page = ProcedureOutput<'chats.list'>;

/** A prefetch no list took within this long is dropped (its changes are no longer kept). */
const UNCLAIMED_MS = 10_000;

interface Entry {
  key: string;
  page: Promise<Page>;
  changed: ChatSummary[];
  unsubscribe(): void;
}

const byClient = new WeakMap<ParleyClient, Entry>();

const keyOf = (input: Input): string =>
  JSON.stringify(Object.entries(input).sort(([a], [b]) => a.localeCompare(b)));

function drop(client: ParleyClient, entry: Entry): void {
  if (byClient.get(client) === entry) byClient.delete(client);
  entry.unsubscribe();
}

/** Reads the chat list page `input` now, for the list that will ask for it. */
export function prefetchChatList(client: ParleyClient, input: Input): void {
  const before = byClient.get(client);
  if (before) drop(client, before);
  const entry: Entry = {
    key: keyOf(input),
    page: client.call('chats.list', input),
    changed: [],
    unsubscribe: () => undefined,
  };
  entry.unsubscribe = client.subscribe((event) => {
    if (event.name === 'chats.updated') entry.changed.push(...event.payload.chats);
  });
  // Taken or not, a failure is the list's to show (it reads again), not unhandled.
  entry.page.catch(() => undefined);
  byClient.set(client, entry);
  setTimeout(() => {
    if (byClient.get(client) === entry) drop(client, entry);
  }, UNCLAIMED_MS);
}

/**
 * The page read for `input` at the start, with the chats that changed since
 * it was asked for; null when there is none (read it now). Taken once.
 */
export function takeChatList(
  client: ParleyClient,
  input: Input,
): { page: Promise<Page>; changed: ChatSummary[] } | null {
  const entry = byClient.get(client);
  if (!entry || entry.key !== keyOf(input)) return null;
  drop(client, entry);
  return { page: entry.page, changed: entry.changed };
}
