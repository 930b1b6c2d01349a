// The unified model. Every remote object is unique per (account_id, remote_id),
// so replaying a sync batch upserts instead of duplicating.
//
// messages.id is not a counter: it is a time-ordered key (see messageKey.ts) so
// that the FTS rowid order is time order, also for history backfilled later.
// Newest-first search can then stop after the first page of hits.
import type { Migration } from './types.js';

export const initial: Migration = {
  version: 1,
  name: 'initial unified model',
  up: `
CREATE TABLE workspaces (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  protocol TEXT NOT NULL,
  server TEXT NOT NULL,
  username TEXT NOT NULL,
  label TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  status_detail TEXT,
  settings_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  UNIQUE (protocol, server, username)
);

CREATE TABLE spaces (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  remote_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'space',
  role TEXT,
  parent_remote_id TEXT,
  raw_json TEXT,
  UNIQUE (account_id, remote_id)
);

CREATE TABLE chats (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  remote_id TEXT NOT NULL,
  space_remote_id TEXT,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  topic TEXT,
  avatar_url TEXT,
  muted INTEGER NOT NULL DEFAULT 0,
  pinned INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  -- Denormalized so the chat list never aggregates over messages.
  last_activity_ts INTEGER NOT NULL DEFAULT 0,
  last_message_id INTEGER,
  server_unread_count INTEGER,
  unread_count INTEGER NOT NULL DEFAULT 0,
  mention_count INTEGER NOT NULL DEFAULT 0,
  raw_json TEXT,
  UNIQUE (account_id, remote_id)
);
CREATE INDEX chats_by_activity ON chats (archived, pinned DESC, last_activity_ts DESC);
CREATE INDEX chats_by_account_activity ON chats (account_id, last_activity_ts DESC);

CREATE TABLE people (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  remote_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  avatar_url TEXT,
  is_self INTEGER NOT NULL DEFAULT 0,
  raw_json TEXT,
  UNIQUE (account_id, remote_id)
);

CREATE TABLE chat_members (
  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  membership TEXT NOT NULL,
  role TEXT,
  PRIMARY KEY (chat_id, person_id)
) WITHOUT ROWID;

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  remote_id TEXT,
  sender_remote_id TEXT,
  sender_name TEXT NOT NULL DEFAULT '',
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT,
  body TEXT NOT NULL DEFAULT '',
  html TEXT,
  reply_to_remote_id TEXT,
  thread_root_remote_id TEXT,
  edited_ts INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  has_attachment INTEGER NOT NULL DEFAULT 0,
  mentions_self INTEGER NOT NULL DEFAULT 0,
  from_self INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  raw_json TEXT
);
CREATE UNIQUE INDEX messages_remote ON messages (account_id, remote_id) WHERE remote_id IS NOT NULL;
CREATE INDEX messages_by_chat ON messages (chat_id, id);
CREATE UNIQUE INDEX messages_by_idempotency ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Edit history: the message row shows the latest text; older texts stay here.
CREATE TABLE message_revisions (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  replaced_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  html TEXT
);
CREATE INDEX message_revisions_by_message ON message_revisions (message_id);

CREATE TABLE reactions (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  sender_remote_id TEXT NOT NULL,
  key TEXT NOT NULL,
  ts INTEGER NOT NULL,
  remote_id TEXT,
  PRIMARY KEY (message_id, sender_remote_id, key)
) WITHOUT ROWID;

CREATE TABLE mentions (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  person_remote_id TEXT NOT NULL,
  PRIMARY KEY (message_id, person_remote_id)
) WITHOUT ROWID;

CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  remote_id TEXT NOT NULL,
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER,
  width INTEGER,
  height INTEGER,
  blob_sha256 TEXT REFERENCES blobs(sha256),
  UNIQUE (message_id, remote_id)
);

CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mime TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The user's own read position per chat, as a message key (messages.id).
CREATE TABLE read_positions (
  chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
  read_upto_id INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE drafts (
  chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  reply_to_message_id INTEGER,
  updated_at INTEGER NOT NULL
);

CREATE TABLE sync_cursors (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  stream TEXT NOT NULL,
  cursor TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, stream)
) WITHOUT ROWID;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  chat_id INTEGER REFERENCES chats(id) ON DELETE CASCADE,
  op TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload_json TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  local_message_id INTEGER,
  remote_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- Word index: unicode61 folds case and diacritics; CJK runs are indexed as
-- overlapping bigrams (see indexText.ts) because unicode61 has no CJK segmenter.
-- Contentless: the text lives once, in messages; snippets are cut in JS.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
  body, subject, sender,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

-- Substring index for "*term" queries.
CREATE VIRTUAL TABLE messages_trigram USING fts5 (
  text,
  content = '', contentless_delete = 1, detail = 'none',
  tokenize = 'trigram remove_diacritics 1'
);
`,
};
