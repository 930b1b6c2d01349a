// The chat's members: name, role and presence (from presence events, while the
// app runs), with invite, kick and ban where the protocol has them. Where the
// daemon knows the protocol's rules (chats.permissions, MemberView.mayKick /
// mayBan: Matrix power levels) only what the user may do is offered;
// elsewhere the server says no when the user may not, and the reason shows.
import { useEffect, useState } from 'react';
import type { ChatPermissions, MemberView } from '../../../main/daemon/api/contract.js';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import { useClient } from '../api/ClientContext.js';
import { errorMessage } from '../api/callError.js';
import { Avatar } from './Avatar.js';
import type { UserTrustView } from '../../../main/daemon/model/security.js';

interface Props {
  chat: ChatSummary;
  members: readonly MemberView[];
  presence: ReadonlyMap<string, string>;
  onClose(): void;
  /** Encrypted chats: each member's cross-signing trust. */
  trust?: ReadonlyMap<string, UserTrustView>;
}

export function MemberPanel({ chat, members, presence, onClose, trust }: Props) {
  const client = useClient();
  const [invitee, setInvitee] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<{ member: MemberView; action: 'kick' | 'ban' } | null>(
    null,
  );
  const [may, setMay] = useState<ChatPermissions | null>(null);
  useEffect(() => {
    let live = true;
    client.call('chats.permissions', { chatId: chat.id }).then(
      (p) => live && setMay(p),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, chat.id, members]);
  const act = async (action: 'invite' | 'kick' | 'ban', personRemoteId: string) => {
    setStatus(null);
    try {
      await client.call(`chats.${action}`, { chatId: chat.id, personRemoteId });
      setStatus(
        action === 'invite' ? `Invited ${personRemoteId}.` : `${personRemoteId}: ${action} sent.`,
      );
      if (action === 'invite') setInvitee('');
    } catch (err) {
      setStatus(`Could not ${action}: ${errorMessage(err)}`);
    }
  };
  const verify = async (userId: string) => {
    setStatus(null);
    try {
      await client.call('verification.request', {
        accountId: chat.accountId,
        userId,
        chatId: chat.id,
      });
      setStatus(`Verification requested in this chat: ${userId} accepts it on their device.`);
    } catch (err) {
      setStatus(`Could not start the verification: ${errorMessage(err)}`);
    }
  };
  const shown = members.filter((m) => m.membership === 'join' || m.membership === 'invite');
  return (
    <aside className="member-panel" aria-label="Members">
      <header className="panel-head">
        <h2>Members · {shown.length}</h2>
        <button type="button" className="icon-button" aria-label="Close members" onClick={onClose}>
          ×
        </button>
      </header>
      {may?.invite === false ? null : (
        <form
          className="invite-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (invitee.trim()) void act('invite', invitee.trim());
          }}
        >
          <input
            value={invitee}
            onChange={(e) => setInvitee(e.target.value)}
            placeholder="@someone:example.org"
            aria-label="Invite someone"
          />
          <button type="submit" disabled={invitee.trim() === ''}>
            Invite
          </button>
        </form>
      )}
      {status ? (
        <p className="notice" role="status">
          {status}
        </p>
      ) : null}
      <ul className="member-list">
        {shown.map((m) => (
          <li key={m.personRemoteId} className="member">
            <Avatar
              accountId={chat.accountId}
              id={m.personRemoteId}
              name={m.name}
              uri={m.avatarUrl}
              size={28}
            />
            <span className="member-text">
              <span className="member-name">
                {m.name}
                {m.isSelf ? ' (you)' : ''}
              </span>
              <span className="member-meta">
                {[
                  m.role,
                  m.membership === 'invite' ? 'invited' : null,
                  presence.get(m.personRemoteId) ?? null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
              {trust?.get(m.personRemoteId) ? (
                <TrustBadge t={trust.get(m.personRemoteId)!} />
              ) : null}
            </span>
            {!m.isSelf && chat.encrypted && trust && !trust.get(m.personRemoteId)?.verified ? (
              <button type="button" onClick={() => void verify(m.personRemoteId)}>
                Verify
              </button>
            ) : null}
            {m.isSelf ? null : confirm && confirm.member === m ? (
              <span className="member-confirm">
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    setConfirm(null);
                    void act(confirm.action, m.personRemoteId);
                  }}
                >
                  {confirm.action === 'kick' ? 'Remove' : 'Ban'} {m.name}
                </button>
                <button type="button" onClick={() => setConfirm(null)}>
                  Cancel
                </button>
              </span>
            ) : (
              <span className="member-actions">
                {m.mayKick === false ? null : (
                  <button type="button" onClick={() => setConfirm({ member: m, action: 'kick' })}>
                    Remove
                  </button>
                )}
                {m.mayBan === false ? null : (
                  <button type="button" onClick={() => setConfirm({ member: m, action: 'ban' })}>
                    Ban
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}

function TrustBadge({ t }: { t: UserTrustView }) {
  if (t.identityChanged)
    return <span className="trust-badge identity-changed">⚠ Identity changed</span>;
  if (t.verified) return <span className="trust-badge">✓ Verified</span>;
  return <span className="trust-badge">{t.hasIdentity ? 'Not verified' : 'No cross-signing'}</span>;
}
