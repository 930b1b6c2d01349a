// Export: one chat or all of them into a folder, as JSON (the format is
// documented in docs/export.md) and as readable HTML pages, with the
// downloaded attachments copied alongside. Everything a sender wrote reaches
// the HTML as escaped text only: a message's own HTML is never copied in.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { revisionsOf, type Revision } from '../store/revisions.js';
import type { Account, ChatSummary, MessageView } from '../model/types.js';
import { chatPage, indexPage } from './exportHtml.js';

export const EXPORT_FORMAT = 'parley-export';
export const EXPORT_VERSION = 1;
export type ExportFormat = 'json' | 'html';

export interface ExportedAttachment {
  name: string;
  mime: string;
  size: number | null;
  sha256: string | null;
  /** The copy in the export, relative to its folder; null when it was never downloaded. */
  file: string | null;
}

export interface ExportedMessage {
  id: number;
  remoteId: string | null;
  ts: number;
  /** ts as an ISO 8601 UTC time, for people reading the file. */
  time: string;
  sender: { name: string; remoteId: string | null };
  kind: MessageView['kind'];
  body: string;
  html: string | null;
  subject: string | null;
  replyToRemoteId: string | null;
  threadRootRemoteId: string | null;
  edited: boolean;
  deleted: boolean;
  /** The texts earlier versions had, oldest first (each replaced at `replacedAt`). */
  editHistory: Revision[];
  reactions: MessageView['reactions'];
  attachments: ExportedAttachment[];
  /** Set while our own message waits in the outbox (pending, sending, failed). */
  outboxState: MessageView['outboxState'];
}

export interface ExportedChat {
  id: number;
  remoteId: string;
  kind: ChatSummary['kind'];
  name: string;
  topic: string | null;
  account: Pick<Account, 'id' | 'protocol' | 'server' | 'username' | 'label'>;
  /** Oldest first. */
  messages: ExportedMessage[];
}

export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  chats: ExportedChat[];
}

export interface ExportSummary {
  dir: string;
  chats: number;
  messages: number;
  attachments: number;
  /** Attachments never downloaded: listed, with no file. */
  missingAttachments: number;
}

/** A file name for an attachment that cannot climb out of its folder or hide. */
export function safeFileName(name: string): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 120);
  return cleaned === '' ? 'file' : cleaned;
}

/** Every message of a chat, oldest first. */
function allMessages(store: Store, chatId: number): MessageView[] {
  const out: MessageView[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = store.read.messages(chatId, { limit: 500, beforeId });
    out.push(...page);
    if (page.length < 500) break;
    beforeId = page.at(-1)!.id;
  }
  return out.reverse();
}

/** The export as data (what parley-export.json holds), copying attachments into `dir`. */
export function collectExport(store: Store, chats: ChatSummary[], dir: string | null) {
  const summary = { messages: 0, attachments: 0, missingAttachments: 0 };
  const accounts = new Map(store.accounts.list().map((a) => [a.id, a]));
  const exported: ExportedChat[] = chats.map((chat) => {
    const messages = allMessages(store, chat.id);
    const history = revisionsOf(
      store.readDb,
      messages.filter((m) => m.edited).map((m) => m.id),
    );
    const account = accounts.get(chat.accountId)!;
    summary.messages += messages.length;
    return {
      id: chat.id,
      remoteId: chat.remoteId,
      kind: chat.kind,
      name: chat.name,
      topic: chat.topic,
      account: {
        id: account.id,
        protocol: account.protocol,
        server: account.server,
        username: account.username,
        label: account.label,
      },
      messages: messages.map((m) => ({
        id: m.id,
        remoteId: m.remoteId,
        ts: m.ts,
        time: new Date(m.ts).toISOString(),
        sender: { name: m.senderName, remoteId: m.senderRemoteId },
        kind: m.kind,
        body: m.body,
        html: m.html,
        subject: m.subject,
        replyToRemoteId: m.replyToRemoteId,
        threadRootRemoteId: m.threadRootRemoteId,
        edited: m.edited,
        deleted: m.deleted,
        editHistory: history.get(m.id) ?? [],
        reactions: m.reactions,
        attachments: m.attachments.map((a) => {
          const file =
            a.blobSha256 && store.blobs.has(a.blobSha256)
              ? `attachments/${a.blobSha256.slice(0, 16)}/${safeFileName(a.name)}`
              : null;
          if (file && dir) {
            const target = join(dir, file);
            if (!existsSync(target)) {
              mkdirSync(join(target, '..'), { recursive: true });
              copyFileSync(store.blobs.pathOf(a.blobSha256!), target);
            }
          }
          if (file) summary.attachments++;
          else summary.missingAttachments++;
          return { name: a.name, mime: a.mime, size: a.size, sha256: a.blobSha256, file };
        }),
        outboxState: m.outboxState,
      })),
    };
  });
  const document: ExportDocument = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    chats: exported,
  };
  return { document, summary };
}

/**
 * Writes the export of `chats` into `dir` (created; files of the same names
 * are replaced): parley-export.json, index.html and one chat-<id>.html per
 * chat, and attachments/.
 */
export function exportChats(
  store: Store,
  chats: ChatSummary[],
  dir: string,
  formats: readonly ExportFormat[] = ['json', 'html'],
): ExportSummary {
  mkdirSync(dir, { recursive: true });
  const { document, summary } = collectExport(store, chats, dir);
  if (formats.includes('json'))
    writeFileSync(join(dir, 'parley-export.json'), `${JSON.stringify(document, null, 2)}\n`);
  if (formats.includes('html')) {
    writeFileSync(join(dir, 'index.html'), indexPage(document));
    for (const chat of document.chats)
      writeFileSync(join(dir, `chat-${chat.id}.html`), chatPage(chat, document.exportedAt));
  }
  return { dir, chats: document.chats.length, ...summary };
}
