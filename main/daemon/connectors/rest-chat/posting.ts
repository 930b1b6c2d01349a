// Posting a message exactly once. A post carries localId "<our user id>+<outbox
// key>"; the server never deduplicates by it, so exactly-once is ours: before
// posting again, the chat's newest messages are searched for that localId (a
// previous attempt whose answer was lost: timeout, reset, 5xx, a restart) and
// the copy found is adopted instead of posting again. A first attempt posts
// at once (WriteAttempt says whether one began before, also across restarts).
import type { WriteAttempt } from '../connector.js';
import { localIdFor } from './mapping.js';
import type { RestSession } from './session.js';
import { page } from './sync.js';
import { MessageInfoSchema, type MessageInfo } from './wire.js';

/** How far down the chat a lost post is looked for: more than anyone posts between two retries. */
const ADOPT_WINDOW = 50;

export interface PostBody {
  text?: string;
  attachment?: {
    fileType: string;
    fileSize: number;
    previewWidth?: number;
    previewHeight?: number;
  };
}

/** The message this outbox key posted: found among the newest, or posted now. */
export async function postOnce(
  s: RestSession,
  chatId: string,
  key: string,
  body: PostBody,
  attempt: WriteAttempt,
  signal: AbortSignal,
): Promise<MessageInfo> {
  const localId = localIdFor(s.selfId, key);
  // Only an entry that was tried before (its answer lost, or the daemon
  // stopped mid-send) can have a copy on the server already.
  if (attempt.earlier > 0) {
    const recent = await page(s, chatId, ADOPT_WINDOW, undefined, signal);
    const earlier = recent.find((m) => m.localId === localId);
    if (earlier) return earlier;
  }
  return s.transport.json(
    'POST',
    `/chats/${encodeURIComponent(chatId)}/messages`,
    MessageInfoSchema,
    { body: { localId, ...body }, signal },
  );
}
