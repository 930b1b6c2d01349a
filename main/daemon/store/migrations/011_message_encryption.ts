// End-to-end encrypted messages (Matrix): the device the sender used and how
// far it is trusted, as the crypto said when it decrypted the message. NULL
// for messages that were not encrypted (and placeholders still waiting for
// their key). Numbered 016 for the merge with the other branches of this wave;
// its version is its place in this branch's list.
import type { Migration } from './types.js';

export const messageEncryption: Migration = {
  version: 11,
  name: 'message encryption: sender device and trust',
  up: `
ALTER TABLE messages ADD COLUMN encryption_sender_device TEXT;
ALTER TABLE messages ADD COLUMN encryption_trust TEXT;
`,
};
