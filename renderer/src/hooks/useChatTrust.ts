// The cross-signing trust of an encrypted chat's other members (security.userTrust),
// read when the chat opens and again when an identity changes or a verification
// ends. Empty for chats that are not encrypted or accounts that cannot tell.
import { useCallback, useEffect, useState } from 'react';
import type { MemberView } from '../../../main/daemon/api/contract.js';
import type { ChatSummary } from '../../../main/daemon/model/types.js';
import type { UserTrustView } from '../../../main/daemon/model/security.js';
import { useClient } from '../api/ClientContext.js';
import { useDaemonEvents } from './useDaemonEvents.js';

export function useChatTrust(
  chat: ChatSummary,
  members: readonly MemberView[],
): { trust: ReadonlyMap<string, UserTrustView>; reload(): void } {
  const client = useClient();
  const [trust, setTrust] = useState<ReadonlyMap<string, UserTrustView>>(new Map());
  const others = members
    .filter((m) => !m.isSelf && (m.membership === 'join' || m.membership === 'invite'))
    .map((m) => m.personRemoteId)
    .slice(0, 100);
  const key = others.join('\n');

  const read = useCallback(() => {
    if (!chat.encrypted || key === '') {
      setTrust(new Map());
      return;
    }
    client.call('security.userTrust', { accountId: chat.accountId, userIds: key.split('\n') }).then(
      (list) => setTrust(new Map(list.map((t) => [t.userId, t]))),
      () => setTrust(new Map()),
    );
  }, [client, chat.accountId, chat.encrypted, key]);
  useEffect(read, [read]);
  useDaemonEvents((e) => {
    if (e.name === 'security.identityChanged' && e.payload.accountId === chat.accountId) read();
    if (
      e.name === 'verification.updated' &&
      e.payload.accountId === chat.accountId &&
      e.payload.phase === 'done'
    )
      read();
  });
  return { trust, reload: read };
}
