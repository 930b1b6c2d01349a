import type { ConnectorCapabilities } from '../connector.js';

export const JMAP_MAIL_CAPABILITIES: ConnectorCapabilities = {
  live: true, // EventSource / WebSocket push when offered, else polling with /changes
  backfill: true,
  edit: false, // mail cannot be edited once sent
  react: false,
  delete: true, // to Trash; from Trash, destroyed
  readMarkers: true, // $seen
  typing: false,
  attachments: true, // metadata at sync, bytes on demand
};
