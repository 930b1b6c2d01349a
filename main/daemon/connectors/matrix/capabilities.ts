// What the Matrix connector can do beyond writes (those are read off matrixOperations).
import type { ReadCapabilities } from '../operations.js';

export const MATRIX_CAPABILITIES: ReadCapabilities = {
  live: true,
  backfill: true,
  typing: true,
  attachments: true,
  presence: true,
};
