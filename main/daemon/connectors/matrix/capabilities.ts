// What the Matrix connector can do beyond the required minimum.
import type { ConnectorCapabilities } from '../connector.js';

export const MATRIX_CAPABILITIES: ConnectorCapabilities = {
  live: true,
  backfill: true,
  edit: true,
  react: true,
  delete: true,
  readMarkers: true,
  typing: true,
  attachments: true,
  membership: true,
  presence: true,
};
