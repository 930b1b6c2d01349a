// Which messages exist, where they go, when they were sent, and in which order
// they arrive: the most recent 85% as an initial sync (oldest first, batches of
// ~1000 per account, accounts taking turns), then the oldest 15% as backfill
// (newest first, as a connector paging backwards delivers it).
import type { RemoteMessage, SyncBatch } from '../main/daemon/model/types.js';
import type { Corpus } from './corpus.js';
import { hash32, rng, unit } from './prng.js';
import { variantText } from './text.js';
import { buildWorld, chatForDraw, SELF_REMOTE_ID, type World } from './world.js';

export interface PlanOptions {
  messages: number;
  chats: number;
  seed: number;
  batchSize: number;
  backfillShare: number;
}

export interface Plan {
  options: PlanOptions;
  corpus: Corpus;
  world: World;
  n: number;
  paragraph: Int32Array;
  rep: Uint8Array;
  chat: Uint16Array;
  /** Author index, or -1 for the account's own user. */
  sender: Int32Array;
  ts: Float64Array;
  backfill: Uint8Array;
  /** Plan indices in ascending time. */
  order: Uint32Array;
  backfillCutoffTs: number;
  /** Per account: author indices that appear as people. */
  people: number[][];
  /** Per chat: member author indices (the self user is added separately). */
  members: number[][];
}

const DAY = 86_400_000;
const MAX_MEMBERS = 12;

export function buildPlan(corpus: Corpus, options: PlanOptions): Plan {
  const { messages: n, seed } = options;
  const world = buildWorld(corpus, options.chats, seed);
  const P = corpus.paragraphs.length;
  const reps = Math.ceil(n / P);
  if (reps > 255) throw new Error('too many repeats of the corpus');

  const paragraph = new Int32Array(n);
  const rep = new Uint8Array(n);
  const chat = new Uint16Array(n);
  const sender = new Int32Array(n);
  const ts = new Float64Array(n);

  // Selection sampling (Knuth's algorithm S): exactly n of the P × reps units.
  const pickUnit = rng('select', seed);
  const total = P * reps;
  let k = 0;
  for (let u = 0; u < total && k < n; u++) {
    if ((total - u) * pickUnit() >= n - k) continue;
    const r = Math.floor(u / P);
    const p = u % P;
    const c = corpus.paragraphCommit[p]!;
    paragraph[k] = p;
    rep[k] = r;
    const chatIndex = chatForDraw(world, unit('chat', seed, c, r));
    chat[k] = chatIndex;
    const spec = world.chats[chatIndex]!;
    if (spec.peer !== null) sender[k] = unit('dself', seed, p, r) < 0.5 ? -1 : spec.peer;
    else sender[k] = unit('self', seed, p, r) < 0.07 ? -1 : corpus.commitAuthor[c]!;
    const shift = r === 0 ? 0 : Math.floor(unit('shift', seed, c, r) * 30 * DAY);
    ts[k] =
      corpus.commitTs[c]! * 1000 +
      corpus.paragraphOrdinal[p]! * 45_000 +
      shift +
      Math.floor(unit('jitter', seed, p, r) * 1000);
    k++;
  }
  if (k !== n) throw new Error(`selected ${k} of ${n} messages`);

  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ts[a]! - ts[b]! || a - b);
  // Strictly increasing times: every message gets its own millisecond, so the
  // store's key (ts × 1024 + slot) is predictable and the raw baseline can use
  // exactly the same keys.
  let prev = -Infinity;
  for (const i of order) {
    if (ts[i]! <= prev) ts[i] = prev + 1;
    prev = ts[i]!;
  }

  const backfill = new Uint8Array(n);
  const backfillCount = Math.floor(n * options.backfillShare);
  for (let j = 0; j < backfillCount; j++) backfill[order[j]!] = 1;
  const backfillCutoffTs = backfillCount < n ? ts[order[backfillCount]!]! : Infinity;

  const peopleSets = world.accounts.map(() => new Set<number>());
  const members: number[][] = world.chats.map((c) => (c.peer !== null ? [c.peer] : []));
  for (const i of order) {
    const s = sender[i]!;
    if (s < 0) continue;
    const c = chat[i]!;
    peopleSets[world.chats[c]!.account]!.add(s);
    const m = members[c]!;
    if (m.length < MAX_MEMBERS && !m.includes(s)) m.push(s);
  }
  for (const c of world.chats) if (c.peer !== null) peopleSets[c.account]!.add(c.peer);
  const people = peopleSets.map((s) => [...s].sort((a, b) => a - b));

  return {
    options,
    corpus,
    world,
    n,
    paragraph,
    rep,
    chat,
    sender,
    ts,
    backfill,
    order,
    backfillCutoffTs,
    people,
    members,
  };
}

export const personRemoteId = (author: number): string =>
  author < 0 ? SELF_REMOTE_ID : `@u${author.toString(36)}`;

export const messageRemoteId = (paragraph: number, rep: number): string =>
  `m${paragraph.toString(36)}-${rep}`;

/** The message as a connector would deliver it. */
export function remoteMessage(plan: Plan, i: number): RemoteMessage {
  const { corpus, world, options } = plan;
  const seed = options.seed;
  const p = plan.paragraph[i]!;
  const r = plan.rep[i]!;
  const c = corpus.paragraphCommit[p]!;
  const ordinal = corpus.paragraphOrdinal[p]!;
  const chatSpec = world.chats[plan.chat[i]!]!;
  const isMail = chatSpec.kind === 'mail';
  let { text } = variantText(corpus.paragraphs[p]!, p, r, seed, plan.backfill[i] === 1);
  const mentionsSelf = unit('mention', seed, p, r) < 0.02 && plan.sender[i]! >= 0;
  if (mentionsSelf) text = `@${world.accounts[chatSpec.account]!.selfName} ${text}`;
  const hasAttachment = unit('attach', seed, p, r) < 0.03;
  const image = hasAttachment && unit('image', seed, p, r) < 0.6;
  const message: RemoteMessage = {
    remoteId: messageRemoteId(p, r),
    chatRemoteId: chatSpec.remoteId,
    senderRemoteId: personRemoteId(plan.sender[i]!),
    ts: plan.ts[i]!,
    kind: isMail ? 'mail' : hasAttachment ? (image ? 'image' : 'file') : 'text',
    body: text,
  };
  if (isMail) message.subject = `${ordinal > 0 ? 'Re: ' : ''}${corpus.commitSubject[c]!}`;
  if (mentionsSelf) {
    message.mentionsSelf = true;
    message.mentionRemoteIds = [SELF_REMOTE_ID];
  }
  if (ordinal > 0 && unit('reply', seed, p, r) < 0.1)
    message.replyToRemoteId = messageRemoteId(p - 1, r);
  if (hasAttachment) {
    const n = hash32('attname', seed, p, r) % 100000;
    message.attachments = [
      image
        ? {
            remoteId: `att-${message.remoteId}`,
            name: `IMG_${n}.jpg`,
            mime: 'image/jpeg',
            size: 50_000 + n * 7,
            width: 1280,
            height: 960,
          }
        : {
            remoteId: `att-${message.remoteId}`,
            name: `notes-${n}.pdf`,
            mime: 'application/pdf',
            size: 20_000 + n * 3,
          },
    ];
  }
  return message;
}

export interface Delivery {
  account: number;
  phase: 'setup' | 'initial' | 'backfill';
  batch: SyncBatch;
  messages: number;
}

/** Spaces, people, chats and memberships of one account: its first batch. */
export function setupBatch(plan: Plan, account: number): SyncBatch {
  const { world, corpus } = plan;
  const spec = world.accounts[account]!;
  const chats = world.chats.filter((c) => c.account === account);
  return {
    spaces: world.spaces[account]!.map((s) => ({ ...s })),
    people: [
      { remoteId: SELF_REMOTE_ID, displayName: spec.selfName, isSelf: true },
      ...plan.people[account]!.map((a) => ({
        remoteId: personRemoteId(a),
        displayName: corpus.authors[a]!,
      })),
    ],
    chats: chats.map((c) => ({
      remoteId: c.remoteId,
      kind: c.kind,
      name: c.name,
      spaceRemoteId: c.spaceRemoteId,
      topic: c.kind === 'channel' ? `Everything about ${c.name}` : null,
    })),
    members: chats.flatMap((c) =>
      [-1, ...plan.members[c.index]!].map((a) => ({
        chatRemoteId: c.remoteId,
        personRemoteId: personRemoteId(a),
        membership: 'join',
      })),
    ),
    cursors: { chats: 'setup' },
  };
}

/**
 * Every batch in arrival order. Message text is built lazily, batch by batch,
 * so the full 1M never sits in memory as objects.
 */
export function* deliveries(plan: Plan): Generator<Delivery> {
  const accounts = plan.world.accounts.map((_, a) => a);
  for (const a of accounts)
    yield { account: a, phase: 'setup', batch: setupBatch(plan, a), messages: 0 };
  // Accounts take turns, batch by batch, in each phase.
  for (const phase of ['initial', 'backfill'] as const) {
    const streams = accounts.map((a) => accountDeliveries(plan, a, phase));
    for (let live = streams; live.length > 0;) {
      const next: typeof streams = [];
      for (const s of live) {
        const d = s.next();
        if (d.done) continue;
        yield d.value;
        next.push(s);
      }
      live = next;
    }
  }
}

/**
 * One account's message batches of one phase, in the order its connector
 * delivers them: the newest 85% oldest first (read positions in the last
 * batch), or the oldest 15% as backfill, newest first.
 */
export function* accountDeliveries(
  plan: Plan,
  account: number,
  phase: 'initial' | 'backfill',
): Generator<Delivery> {
  const { world, options } = plan;
  const list: number[] = [];
  for (const i of plan.order) {
    if (world.chats[plan.chat[i]!]!.account !== account) continue;
    if ((plan.backfill[i] === 1) === (phase === 'backfill')) list.push(i);
  }
  if (phase === 'backfill') list.reverse();
  // Per chat, the messages delivered so far (for read positions).
  const delivered: number[][] = world.chats.map(() => []);
  for (let pos = 0; pos < list.length;) {
    const slice = list.slice(pos, pos + options.batchSize);
    pos += slice.length;
    const batch: SyncBatch = {
      messages: slice.map((i) => remoteMessage(plan, i)),
      cursors: { [phase === 'initial' ? 'timeline' : 'backfill']: `${phase}-${pos}` },
    };
    if (phase === 'initial') {
      for (const i of slice) delivered[plan.chat[i]!]!.push(i);
      if (pos === list.length) batch.readPositions = readPositions(plan, account, delivered);
    }
    yield { account, phase, batch, messages: slice.length };
  }
}

/** 75% of chats read to the end; the rest a few to a few hundred messages behind. */
function readPositions(plan: Plan, account: number, delivered: number[][]) {
  const out: { chatRemoteId: string; messageRemoteId: string }[] = [];
  for (const c of plan.world.chats) {
    if (c.account !== account) continue;
    const list = delivered[c.index]!;
    if (list.length === 0) continue;
    const seed = plan.options.seed;
    const behind =
      unit('read', seed, c.index) < 0.75 ? 0 : 1 + (hash32('behind', seed, c.index) % 300);
    if (behind >= list.length) continue; // never read
    const i = list[list.length - 1 - behind]!;
    out.push({
      chatRemoteId: c.remoteId,
      messageRemoteId: messageRemoteId(plan.paragraph[i]!, plan.rep[i]!),
    });
  }
  return out;
}
