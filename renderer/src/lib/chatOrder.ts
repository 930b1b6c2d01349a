// The chat list's order and how live updates fold into it.
import type { ChatSummary } from '../../../main/daemon/model/types.js';

export type ChatScope =
  | { kind: 'all' }
  | { kind: 'workspace'; workspaceId: number }
  | { kind: 'account'; accountId: number };

/** Pinned first, then most recent activity; ties by id so the order is stable. */
export function compareChats(a: ChatSummary, b: ChatSummary): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.lastActivityTs !== b.lastActivityTs) return b.lastActivityTs - a.lastActivityTs;
  return b.id - a.id;
}

export function inScope(chat: ChatSummary, scope: ChatScope, archived = false): boolean {
  if (chat.archived !== archived) return false;
  switch (scope.kind) {
    case 'all':
      return true;
    case 'workspace':
      return chat.workspaceId === scope.workspaceId;
    case 'account':
      return chat.accountId === scope.accountId;
    default: {
      const never: never = scope;
      throw new Error(`unknown scope ${JSON.stringify(never)}`);
    }
  }
}

/** Replaces changed chats (adding new ones in scope, dropping ones that left it) and re-sorts. */
export function mergeChats(
  current: ChatSummary[],
  changed: ChatSummary[],
  scope: ChatScope,
  archived = false,
): ChatSummary[] {
  if (changed.length === 0) return current;
  const byId = new Map(current.map((c) => [c.id, c]));
  for (const chat of changed) {
    if (inScope(chat, scope, archived)) byId.set(chat.id, chat);
    else byId.delete(chat.id);
  }
  return [...byId.values()].sort(compareChats);
}

export function scopeFilter(scope: ChatScope): { workspaceId?: number; accountId?: number } {
  if (scope.kind === 'workspace') return { workspaceId: scope.workspaceId };
  if (scope.kind === 'account') return { accountId: scope.accountId };
  return {};
}
