// What the callers' screens show: the chats whose message deltas they want.
import type { TimelineWatches } from '../timelineWatch.js';
import type { Handlers } from './context.js';

export function watchHandlers(watches: TimelineWatches) {
  return {
    'timeline.watch': ({ watcher, chatIds }) => {
      watches.set(watcher, chatIds);
      return null;
    },
  } satisfies Partial<Handlers>;
}
