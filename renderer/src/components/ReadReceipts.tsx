// "Seen by": small avatars of the people whose read receipt is at a message
// (the newest message each has read), at most five and a count.
import { memo } from 'react';
import { Avatar } from './Avatar.js';

export interface Reader {
  personRemoteId: string;
  name: string;
  avatarUrl: string | null;
}

const SHOWN = 5;

export const ReadReceipts = memo(function ReadReceipts({
  accountId,
  readers,
}: {
  accountId: number;
  readers: readonly Reader[];
}) {
  const names = readers.map((r) => r.name).join(', ');
  return (
    <div className="read-receipts" title={`Seen by ${names}`} aria-label={`Seen by ${names}`}>
      {readers.slice(0, SHOWN).map((r) => (
        <Avatar
          key={r.personRemoteId}
          accountId={accountId}
          id={r.personRemoteId}
          name={r.name}
          uri={r.avatarUrl}
          size={16}
        />
      ))}
      {readers.length > SHOWN ? <span className="more">+{readers.length - SHOWN}</span> : null}
    </div>
  );
});
