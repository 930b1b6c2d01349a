// The shape of the synthetic profile: workspaces, accounts, spaces and chats.
// Everything here is a pure function of the seed, so runs are comparable.
import type { ChatKind, Protocol } from '../main/daemon/model/types.js';
import type { Corpus } from './corpus.js';
import { hash32, rng, unit } from './prng.js';

export interface AccountSpec {
  key: number;
  workspace: string;
  protocol: Protocol;
  server: string;
  username: string;
  label: string;
  selfName: string;
  /** Share of the chats (and, roughly, of the traffic). */
  share: number;
}

export const ACCOUNTS: readonly AccountSpec[] = [
  {
    key: 0,
    workspace: 'Work',
    protocol: 'matrix',
    server: 'https://matrix.example.org',
    username: '@sam:example.org',
    label: 'Work Matrix',
    selfName: 'Sam Okafor',
    share: 0.4,
  },
  {
    key: 1,
    workspace: 'Work',
    protocol: 'rest-chat',
    server: 'https://chat.example.com',
    username: 'sam',
    label: 'Team chat',
    selfName: 'Sam Okafor',
    share: 0.25,
  },
  {
    key: 2,
    workspace: 'Personal',
    protocol: 'jmap-chat',
    server: 'https://jmap.example.net',
    username: 'sam@example.net',
    label: 'Friends',
    selfName: 'Sam',
    share: 0.2,
  },
  {
    key: 3,
    workspace: 'Personal',
    protocol: 'jmap-mail',
    server: 'https://mail.example.net',
    username: 'sam@example.net',
    label: 'Mail',
    selfName: 'Sam Okafor',
    share: 0.15,
  },
];

export const SELF_REMOTE_ID = '@self';

export interface SpaceSpec {
  remoteId: string;
  name: string;
  kind: string;
  role: string | null;
}

export interface ChatSpec {
  index: number;
  account: number;
  remoteId: string;
  kind: ChatKind;
  name: string;
  spaceRemoteId: string | null;
  /** For direct chats: the other person (author index). */
  peer: number | null;
  /** Relative traffic (Zipf over a shuffled rank). */
  weight: number;
}

export interface World {
  accounts: readonly AccountSpec[];
  spaces: SpaceSpec[][];
  chats: ChatSpec[];
  /** Cumulative chat weights for sampling a chat. */
  cumulative: Float64Array;
}

const AREAS = [
  'odb',
  'refs',
  'pack',
  'merge',
  'rebase',
  'diff',
  'docs',
  'ci',
  'index',
  'bisect',
  'submodule',
  'worktree',
  'sparse',
  'fsck',
  'gc',
  'http',
  'ssh',
  'i18n',
  'perf',
  'tests',
  'reftable',
  'bitmap',
  'commit-graph',
  'trailers',
  'hooks',
  'blame',
  'log',
  'grep',
  'config',
  'credential',
  'remote',
  'fetch',
  'push',
  'stash',
  'notes',
  'tags',
  'mailmap',
  'packaging',
];
const QUALIFIERS = [
  'team',
  'dev',
  'review',
  'help',
  'announce',
  'random',
  'ops',
  'design',
  'triage',
  'release',
  'standup',
  'oncall',
];
const CHAT_SPACES = [
  { remoteId: 'sp-eng', name: 'Engineering', kind: 'space', role: null },
  { remoteId: 'sp-community', name: 'Community', kind: 'space', role: null },
  { remoteId: 'sp-social', name: 'Social', kind: 'space', role: null },
];
const MAILBOXES = [
  { remoteId: 'mb-inbox', name: 'Inbox', kind: 'mailbox', role: 'inbox' },
  { remoteId: 'mb-lists', name: 'Lists', kind: 'mailbox', role: null },
  { remoteId: 'mb-archive', name: 'Archive', kind: 'mailbox', role: 'archive' },
];
const ZIPF_EXPONENT = 0.8;

export function buildWorld(corpus: Corpus, chatCount: number, seed: number): World {
  // Most active authors first: direct-chat peers are people you talk to.
  const authorCounts = new Map<number, number>();
  for (const a of corpus.commitAuthor) authorCounts.set(a, (authorCounts.get(a) ?? 0) + 1);
  const activeAuthors = [...authorCounts.entries()]
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, 400)
    .map(([a]) => a);

  // A shuffled popularity rank so that big chats land in every account.
  const ranks = Array.from({ length: chatCount }, (_, i) => i);
  const r = rng('ranks', seed);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }

  const bounds: number[] = [];
  let acc = 0;
  for (const a of ACCOUNTS) {
    acc += a.share;
    bounds.push(Math.round(acc * chatCount));
  }

  const usedNames = new Set<string>();
  const chats: ChatSpec[] = [];
  for (let i = 0; i < chatCount; i++) {
    const account = bounds.findIndex((b) => i < b);
    const weight = 1 / Math.pow(ranks[i]! + 1, ZIPF_EXPONENT);
    const remoteId = `!chat${i.toString(36)}`;
    if (ACCOUNTS[account]!.protocol === 'jmap-mail') {
      const commit = hash32('mail-subject', seed, i) % corpus.commitSubject.length;
      const mailbox = MAILBOXES[hash32('mailbox', seed, i) % MAILBOXES.length]!;
      chats.push({
        index: i,
        account,
        remoteId,
        kind: 'mail',
        name: corpus.commitSubject[commit]!,
        spaceRemoteId: mailbox.remoteId,
        peer: null,
        weight,
      });
      continue;
    }
    const u = unit('kind', seed, i);
    if (u < 0.3) {
      const peer = activeAuthors[hash32('peer', seed, i) % activeAuthors.length]!;
      chats.push({
        index: i,
        account,
        remoteId,
        kind: 'direct',
        name: corpus.authors[peer]!,
        spaceRemoteId: null,
        peer,
        weight,
      });
      continue;
    }
    let name = '';
    for (let attempt = 0; ; attempt++) {
      const area = AREAS[hash32('area', seed, i, attempt) % AREAS.length]!;
      const qualifier = QUALIFIERS[hash32('qual', seed, i, attempt) % QUALIFIERS.length]!;
      name = attempt < 3 ? `${area}-${qualifier}` : `${area}-${qualifier}-${attempt}`;
      if (!usedNames.has(name)) break;
    }
    usedNames.add(name);
    chats.push({
      index: i,
      account,
      remoteId,
      kind: u < 0.8 ? 'group' : 'channel',
      name,
      spaceRemoteId: CHAT_SPACES[hash32('space', seed, i) % CHAT_SPACES.length]!.remoteId,
      peer: null,
      weight,
    });
  }

  const cumulative = new Float64Array(chatCount);
  let sum = 0;
  for (let i = 0; i < chatCount; i++) cumulative[i] = sum += chats[i]!.weight;
  for (let i = 0; i < chatCount; i++) cumulative[i]! /= sum;

  const spaces = ACCOUNTS.map((a) => (a.protocol === 'jmap-mail' ? MAILBOXES : CHAT_SPACES));
  return { accounts: ACCOUNTS, spaces, chats, cumulative };
}

/** The chat for a draw u in [0, 1), by the chats' traffic weights. */
export function chatForDraw(world: World, u: number): number {
  const c = world.cumulative;
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
