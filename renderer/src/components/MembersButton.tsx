// Who is in the open chat, with their roles where the protocol has them
// (owner, admin, writer, reader): a button in the chat header that lists them.
// Read when opened, so a role handed over since shows.
import { useEffect, useState } from 'react';
import type { MemberView } from '../../../main/daemon/api/contract.js';
import { useClient } from '../api/ClientContext.js';

export function MembersButton({ chatId }: { chatId: number }) {
  const client = useClient();
  const [open, setOpen] = useState(false);
  const [members, setMembers] = useState<MemberView[] | null>(null);

  useEffect(() => {
    setOpen(false);
    setMembers(null);
  }, [chatId]);

  useEffect(() => {
    if (!open) return;
    let live = true;
    client.call('chats.members', { chatId }).then(
      (m) => live && setMembers(m),
      () => live && setMembers([]),
    );
    return () => {
      live = false;
    };
  }, [client, chatId, open]);

  return (
    <div className="menu-anchor">
      <button
        type="button"
        className="icon-button members-button"
        aria-expanded={open}
        aria-controls="chat-members"
        onClick={() => setOpen((o) => !o)}
      >
        Members
      </button>
      {open ? (
        <ul id="chat-members" className="members-list" aria-label="Members">
          {members === null ? <li className="muted">Loading…</li> : null}
          {members?.length === 0 ? <li className="muted">No members known</li> : null}
          {members?.map((m) => (
            <li key={m.personRemoteId}>
              <span className="member-name">
                {m.name}
                {m.isSelf ? ' (you)' : ''}
              </span>
              {m.role ? <span className="member-role">{m.role}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
