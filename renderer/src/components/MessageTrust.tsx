// A decrypted message whose sender cannot be trusted as usual says why, as
// Element's shields do: only problems are shown (a message from a user nobody
// verified is the ordinary case and says nothing).
import type { MessageView } from '../../../main/daemon/model/types.js';

const WARNINGS: Partial<Record<string, string>> = {
  identity_changed: "⚠ Sent after the sender's verified identity changed",
  unsigned_device: '⚠ Encrypted by a session its owner has not verified',
  unknown_device: '⚠ Encrypted by an unknown or deleted session',
  insecure_source: '⚠ The key came from a source that cannot be trusted',
  mismatched_sender: '⚠ The sender does not match the session that encrypted it',
};

export function MessageTrust({ message }: { message: MessageView }) {
  const warning = message.encryption ? WARNINGS[message.encryption.trust] : undefined;
  if (!warning) return null;
  return (
    <p className="message-trust" title={message.encryption?.senderDevice ?? undefined}>
      {warning}
    </p>
  );
}
