// Writing a message: Enter sends, Shift+Enter starts a new line; Up in an
// empty composer edits the user's last message; Escape cancels a reply or an
// edit. Text is Markdown (lib/markdown.ts): it goes out as the body plus HTML
// where it formats something, with a preview, and a switch (or /plain) to send
// it as typed. "@" suggests the chat's members; a chosen one is mentioned in
// the protocol's form. Files dropped or pasted are sent with
// messages.sendAttachment. In a mail thread the text goes out as a reply to
// the newest mail.
import {
  useEffect,
  useRef,
  useState,
  type ClipboardEvent,
  type DragEvent,
  type KeyboardEvent,
} from 'react';
import type { ChatSummary, MessageView } from '../../../main/daemon/model/types.js';
import type { MemberView } from '../../../main/daemon/api/contract.js';
import { composeMessage, type ComposedMention } from '../lib/markdown.js';
import { insertMention, matchMembers, mentionQueryAt, type MentionQuery } from '../lib/mentions.js';
import { MentionSuggestions, mentionOptionId } from './MentionSuggestions.js';
import { FormattedBody } from './FormattedBody.js';
import { LinkifiedText } from './LinkifiedText.js';
import { useClient } from '../api/ClientContext.js';
import { CallError, errorMessage } from '../api/callError.js';
import type { DraftState } from '../hooks/useDraft.js';
import { imageSize, type PendingFile } from '../lib/files.js';
import { byteSize } from '../lib/format.js';
import { attachmentsBlockedReason, composerBlockedReason } from '../lib/composerAvailability.js';
import { ComposerBar } from './ComposerBar.js';
import { ComposerBlocked } from './ComposerBlocked.js';
import { PendingFiles } from './PendingFiles.js';

interface Props {
  chat: ChatSummary;
  /** The chat's members, for @-mentions. */
  members?: readonly MemberView[];
  /** The chat's account encrypts (an end-to-end encrypted chat takes text). */
  accountEncrypts: boolean;
  draft: DraftState;
  /** The message being edited, if any. */
  editing: MessageView | null;
  onEditingChange(message: MessageView | null): void;
  /** Resolves the draft's reply target among the loaded messages. */
  findMessage(id: number): MessageView | null;
  /** The last message the user may edit (for Up). */
  lastOwn(): MessageView | null;
  /** The newest message (a mail reply answers it). */
  newest(): MessageView | null;
  /** The send was queued; its local echo is this message. */
  onSent(messageId: number | null): void;
}

const MAX_ROWS = 8;
let nextFileId = 1;

export function Composer(props: Props) {
  const { chat, accountEncrypts, draft, editing, onEditingChange, findMessage, lastOwn, newest } =
    props;
  const { onSent } = props;
  const members = props.members ?? [];
  const client = useClient();
  const [edit, setEdit] = useState<{ id: number; text: string } | null>(null);
  const [files, setFiles] = useState<PendingFile[]>([]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const isMail = chat.kind === 'mail';
  /** Markdown on (the default) or off: send as typed. */
  const [markdown, setMarkdown] = useState(true);
  const [preview, setPreview] = useState(false);
  const [mentioned, setMentioned] = useState<ComposedMention[]>([]);
  const [mention, setMention] = useState<{ at: MentionQuery; active: number } | null>(null);
  const suggestions = mention && !isMail ? matchMembers(members, mention.at.query) : [];

  useEffect(() => {
    setError(null);
    setFiles([]);
    setMentioned([]);
    setMention(null);
    setPreview(false);
    area.current?.focus();
  }, [chat.id]);

  /** Body, HTML and mentions for `body` as the composer's switches say. */
  const compose = (body: string) =>
    isMail
      ? { body, html: null, mentions: [] }
      : composeMessage(body, mentioned, { raw: !markdown });
  const formatted = (body: string) => {
    const c = compose(body);
    return {
      body: c.body,
      ...(c.html ? { html: c.html } : {}),
      ...(c.mentions.length ? { mentions: c.mentions } : {}),
    };
  };

  const pickMention = (member: MemberView) => {
    const el = area.current;
    if (!el || !mention) return;
    const next = insertMention(text, mention.at, el.selectionStart, member.name);
    setText(next.text);
    setMentioned((list) => [...list, { name: member.name, personRemoteId: member.personRemoteId }]);
    setMention(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };
  const trackMention = (value: string, caret: number) => {
    const at = isMail ? null : mentionQueryAt(value, caret);
    setMention(at ? { at, active: 0 } : null);
  };

  useEffect(() => {
    if (editing) area.current?.focus();
  }, [editing]);

  useEffect(() => {
    if (draft.replyToMessageId !== null) area.current?.focus();
  }, [draft.replyToMessageId]);

  // The edit's text starts as the message's own, in the same render as the edit bar.
  const editText = editing ? (edit && edit.id === editing.id ? edit.text : editing.body) : '';
  const text = editing ? editText : draft.text;
  const setText = editing
    ? (next: string) => setEdit({ id: editing.id, text: next })
    : draft.setText;
  const replyTo = draft.replyToMessageId !== null ? findMessage(draft.replyToMessageId) : null;

  const addFiles = (list: FileList | File[]) => {
    if (filesBlocked) {
      setError(filesBlocked);
      return;
    }
    const added: PendingFile[] = [];
    for (const file of list) {
      if (file.size > client.maxAttachmentBytes) {
        setError(`${file.name} is larger than ${byteSize(client.maxAttachmentBytes)}.`);
        continue;
      }
      added.push({ id: nextFileId++, file });
    }
    if (added.length) setFiles((f) => [...f, ...added]);
  };

  const sendFiles = async (replyToMessageId: number | undefined): Promise<number | null> => {
    let last: number | null = null;
    for (const pending of files) {
      const { file } = pending;
      const size = await imageSize(file);
      try {
        const { messageId } = await client.call('messages.sendAttachment', {
          chatId: chat.id,
          name: file.name || 'pasted-image.png',
          mime: file.type || undefined,
          ...(await client.attachmentBytes(file)),
          ...(size ?? {}),
          ...(replyToMessageId !== undefined ? { replyToMessageId } : {}),
        });
        last = messageId;
        setFiles((f) => f.filter((p) => p.id !== pending.id));
      } catch (err) {
        if (
          err instanceof CallError &&
          (err.code === 'not_implemented' ||
            err.code === 'unsupported' ||
            err.code === 'unknown_procedure')
        )
          throw new Error('sending files is not supported by this account yet');
        throw err;
      }
    }
    return last;
  };

  const submit = async () => {
    if (sending) return;
    const body = text;
    if (editing) {
      if (body.trim() === '' || body === editing.body) {
        onEditingChange(null);
        return;
      }
      setSending(true);
      try {
        await client.call('messages.edit', { messageId: editing.id, ...formatted(body) });
        onEditingChange(null);
        onSent(editing.id);
      } catch (err) {
        setError(`Not saved: ${errorMessage(err)}`);
      } finally {
        setSending(false);
        area.current?.focus();
      }
      return;
    }
    if (body.trim() === '' && files.length === 0) return;
    setSending(true);
    setError(null);
    const replyToId = draft.replyToMessageId ?? undefined;
    try {
      let echo: number | null = null;
      if (files.length) echo = await sendFiles(replyToId);
      if (body.trim() !== '') {
        draft.clear();
        if (isMail) {
          const last = newest();
          await client.call('mail.send', {
            chatId: chat.id,
            mode: 'reply',
            body,
            ...(last?.remoteId ? { replyToMessageId: replyToId ?? last.id } : {}),
          });
        } else {
          const sent = await client.call('messages.send', {
            chatId: chat.id,
            ...formatted(body),
            ...(replyToId !== undefined && files.length === 0
              ? { replyToMessageId: replyToId }
              : {}),
          });
          echo = sent.messageId;
        }
        setMentioned([]);
        setPreview(false);
      } else draft.setReplyTo(null);
      onSent(echo);
    } catch (err) {
      if (body.trim() !== '' && draft.text === '') draft.setText(body);
      setError(`Not sent: ${errorMessage(err)}`);
    } finally {
      setSending(false);
      area.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (mention && suggestions.length > 0) {
      const n = suggestions.length;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : n - 1;
        setMention({ ...mention, active: (mention.active + step) % n });
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pickMention(suggestions[Math.min(mention.active, n - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setMention(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape' && (editing || draft.replyToMessageId !== null)) {
      e.preventDefault();
      if (editing) onEditingChange(null);
      else draft.setReplyTo(null);
    } else if (e.key === 'ArrowUp' && !editing && draft.text === '' && !isMail) {
      const own = lastOwn();
      if (own) {
        e.preventDefault();
        onEditingChange(own);
      }
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const pasted = [...e.clipboardData.files];
    if (pasted.length) {
      e.preventDefault();
      addFiles(pasted);
    }
  };
  const onDrop = (e: DragEvent<HTMLFormElement>) => {
    setDragging(false);
    if (!e.dataTransfer.files.length) return;
    e.preventDefault();
    addFiles(e.dataTransfer.files);
  };

  const blocked = composerBlockedReason(chat, accountEncrypts);
  const filesBlocked = attachmentsBlockedReason(chat, accountEncrypts);
  if (blocked) return <ComposerBlocked reason={blocked} />;

  const rows = Math.min(MAX_ROWS, Math.max(1, text.split('\n').length));
  const label = editing
    ? 'Edit message'
    : isMail
      ? `Reply to ${chat.name}`
      : `Message ${chat.name}`;
  return (
    <form
      className={`composer${dragging ? ' dragging' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onDragOver={(e) => {
        if ([...e.dataTransfer.types].includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {editing ? (
        <ComposerBar mode="edit" message={editing} onCancel={() => onEditingChange(null)} />
      ) : draft.replyToMessageId !== null ? (
        <ComposerBar mode="reply" message={replyTo} onCancel={() => draft.setReplyTo(null)} />
      ) : null}
      {preview && !isMail && text.trim() !== '' ? (
        <ComposerPreview accountId={chat.accountId} text={text} compose={compose} />
      ) : null}
      <MentionSuggestions
        accountId={chat.accountId}
        members={suggestions}
        active={mention?.active ?? 0}
        onPick={pickMention}
      />
      <PendingFiles
        files={files}
        onRemove={(id) => setFiles((f) => f.filter((p) => p.id !== id))}
      />
      <div className="composer-row">
        {isMail || filesBlocked ? null : (
          <label className="icon-button attach" title="Attach files">
            <span aria-hidden="true">📎</span>
            <span className="visually-hidden">Attach files</span>
            <input
              type="file"
              multiple
              className="visually-hidden"
              onChange={(e) => {
                if (e.target.files) addFiles(e.target.files);
                e.target.value = '';
              }}
            />
          </label>
        )}
        <textarea
          ref={area}
          value={text}
          rows={rows}
          placeholder={editing ? 'Edit your message' : label}
          aria-label={label}
          aria-autocomplete={isMail ? undefined : 'list'}
          aria-controls={suggestions.length ? 'mention-suggestions' : undefined}
          aria-activedescendant={
            suggestions.length && mention ? mentionOptionId(mention.active) : undefined
          }
          onChange={(e) => {
            setText(e.target.value);
            trackMention(e.target.value, e.target.selectionStart);
          }}
          onBlur={() => setMention(null)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        {isMail ? null : (
          <>
            <button
              type="button"
              className={`icon-button markdown-toggle${markdown ? ' on' : ''}`}
              aria-pressed={markdown}
              title={
                markdown ? 'Markdown on: click to send as typed' : 'Markdown off: sent as typed'
              }
              onClick={() => setMarkdown((m) => !m)}
            >
              <span aria-hidden="true">M↓</span>
              <span className="visually-hidden">Markdown</span>
            </button>
            <button
              type="button"
              className="icon-button preview-toggle"
              aria-pressed={preview}
              title="Preview"
              onClick={() => setPreview((p) => !p)}
            >
              <span aria-hidden="true">👁</span>
              <span className="visually-hidden">Preview</span>
            </button>
          </>
        )}
        <button type="submit" disabled={sending || (text.trim() === '' && files.length === 0)}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
      {dragging ? <div className="drop-hint">Drop files to attach them</div> : null}
    </form>
  );
}

/** What the message will look like: its HTML (sanitized as received ones are) or its text. */
function ComposerPreview({
  accountId,
  text,
  compose,
}: {
  accountId: number;
  text: string;
  compose(body: string): { body: string; html: string | null };
}) {
  const c = compose(text);
  return (
    <div className="composer-preview" aria-label="Preview" role="region">
      {c.html ? (
        <FormattedBody accountId={accountId} html={c.html} selfIds={NO_IDS} />
      ) : (
        <div className="plain-preview">
          <LinkifiedText text={c.body} />
        </div>
      )}
    </div>
  );
}

const NO_IDS: ReadonlySet<string> = new Set();
