// The sender device's trust on an end-to-end encrypted message (lib/messageTrust.ts):
// a short word on the row, what it means in its title and for screen readers.
import type { MessageView } from '../../../main/daemon/model/types.js';
import { trustBadge } from '../lib/messageTrust.js';

export function TrustBadge({ message: m }: { message: MessageView }) {
  const badge = trustBadge(m.encryption, m.senderName);
  if (!badge) return null;
  return (
    <span className={`trust-badge ${badge.tone}`} title={badge.detail} data-testid="trust-badge">
      <span aria-hidden="true">{badge.tone === 'warning' ? '⚠ ' : '🛡 '}</span>
      {badge.label}
      <span className="visually-hidden">: {badge.detail}</span>
    </span>
  );
}
