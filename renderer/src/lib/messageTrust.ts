// How far an end-to-end encrypted message's sender device is trusted, in the
// words a message row shows. Nothing for messages that were not encrypted,
// nor for a verified device: a badge only where the user should look twice.
import type { MessageEncryption } from '../../../main/daemon/model/types.js';

export interface TrustBadge {
  /** The badge's text. */
  label: string;
  /** What it means, said on hover and to screen readers. */
  detail: string;
  /** warning: something changed or does not add up; caution: not verified yet. */
  tone: 'caution' | 'warning';
}

export function trustBadge(
  encryption: MessageEncryption | null | undefined,
  senderName: string,
): TrustBadge | null {
  // A user nobody verified is the ordinary case (the member panel and the header
  // say it once); a badge on every message of theirs would only teach users to
  // ignore badges, so only problems with the sending device are shown, as Element does.
  if (!encryption || encryption.trust === 'verified' || encryption.trust === 'unverified')
    return null;
  const device = encryption.senderDevice ? `device ${encryption.senderDevice}` : 'a device';
  switch (encryption.trust) {
    case 'unsigned_device':
      return {
        label: 'Unverified device',
        detail: `Encrypted by ${device}, which ${senderName} has not verified.`,
        tone: 'caution',
      };
    case 'unknown_device':
      return {
        label: 'Unknown device',
        detail: `Encrypted by a device that is unknown or was deleted: it cannot be checked that ${senderName} sent it.`,
        tone: 'warning',
      };
    case 'identity_changed':
      return {
        label: 'Identity changed',
        detail: `${senderName} was verified, but their identity has changed since.`,
        tone: 'warning',
      };
    case 'insecure_source':
    case 'mismatched_sender':
      return {
        label: 'Not trusted',
        detail: `The key of this message does not prove that ${senderName} sent it.`,
        tone: 'warning',
      };
  }
}
