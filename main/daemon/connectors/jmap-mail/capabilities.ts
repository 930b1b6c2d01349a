import type { ReadCapabilities } from '../operations.js';

/**
 * What JMAP Mail can do beyond writes (those are read off jmapMailOperations:
 * no edit — mail cannot be edited once sent —, no reactions; delete is to
 * Trash, from Trash destroyed; read markers are $seen).
 */
export const JMAP_MAIL_CAPABILITIES: ReadCapabilities = {
  live: true, // EventSource / WebSocket push when offered, else polling with /changes
  backfill: true,
  typing: false,
  attachments: true, // metadata at sync, bytes on demand
};
