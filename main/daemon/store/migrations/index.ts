// Forward-only migrations, one file each, applied in order, each in its own
// transaction together with the user_version bump. A migration is frozen:
// it imports nothing but its types, so what it does never changes with live code.
import type { Migration } from './types.js';
import { initial } from './001_initial.js';
import { notificationSettings } from './002_notification_settings.js';
import { reactionRemoteIndex } from './003_reaction_remote_index.js';
import { receipts } from './004_receipts.js';
import { searchAndChatList } from './005_search_and_chat_list.js';
import { relationsAndEncryption } from './006_relations_and_encryption.js';
import { cjkTrailingUnigrams } from './007_cjk_trailing_unigrams.js';
import { typedMailAndInvites } from './008_typed_mail_and_invites.js';
import { mediaCache } from './009_media_cache.js';
import { chatBlocked } from './010_chat_blocked.js';
import { messageEncryption } from './011_message_encryption.js';
import { attachmentSources } from './012_attachment_sources.js';
import { scopeTokens } from './013_scope_tokens.js';
import { substringVocabulary } from './014_substring_vocabulary.js';
import { peopleByRemoteId } from './015_people_by_remote_id.js';
import { heldReadPositions } from './016_held_read_positions.js';
import { blobReferenceIndexes } from './017_blob_reference_indexes.js';

export const MIGRATIONS: readonly Migration[] = [
  initial,
  notificationSettings,
  reactionRemoteIndex,
  receipts,
  searchAndChatList,
  relationsAndEncryption,
  cjkTrailingUnigrams,
  typedMailAndInvites,
  mediaCache,
  chatBlocked,
  messageEncryption,
  attachmentSources,
  scopeTokens,
  substringVocabulary,
  peopleByRemoteId,
  heldReadPositions,
  blobReferenceIndexes,
];
export const LATEST_VERSION = MIGRATIONS.length;
export type { Migration };
