// What a message row can ask of the conversation around it (reply, edit,
// open a thread…), handed down without threading props through every row.
import { createContext, useContext } from 'react';
import type { MessageView } from '../../../main/daemon/model/types.js';

export interface TimelineActions {
  isMine(m: MessageView): boolean;
  /** The user's own ids on an account: a pill naming one is highlighted. */
  selfIdsOf(accountId: number): ReadonlySet<string>;
  /** False where the chat takes no writes (end-to-end encrypted): no react, reply or edit. */
  writable: boolean;
  reply(m: MessageView): void;
  edit(m: MessageView): void;
  openThread(rootRemoteId: string): void;
  /** Opens the image viewer at this attachment. */
  openImage(attachmentId: number): void;
  /** The chat's account has links to messages that others can open (messages.permalink). */
  permalinks: boolean;
  /** Puts the message, quoted, into the composer. */
  quote(m: MessageView): void;
  /** Reports an action's failure where the user sees it. */
  fail(message: string): void;
}

export const TimelineActionsContext = createContext<TimelineActions | null>(null);

export function useTimelineActions(): TimelineActions {
  const actions = useContext(TimelineActionsContext);
  if (!actions) throw new Error('useTimelineActions outside <TimelineActionsContext.Provider>');
  return actions;
}
