// "3 replies": opens the thread in the side panel.
import { useTimelineActions } from '../api/TimelineActions.js';

export function ThreadLink({ rootRemoteId, count }: { rootRemoteId: string; count: number }) {
  const actions = useTimelineActions();
  return (
    <button
      type="button"
      className="thread-link link-button"
      onClick={() => actions.openThread(rootRemoteId)}
    >
      {count === 1 ? '1 reply' : `${count} replies`}
    </button>
  );
}
