// One account's sync progress: a bar (indeterminate until the total is known)
// and a line saying the phase, chats done of all, messages stored and time left.
import type { SyncProgress } from '../../../main/daemon/model/types.js';
import { strings } from '../lib/strings.js';

interface Props {
  accountLabel: string;
  progress: SyncProgress;
}

export function SyncProgressBar({ accountLabel, progress: p }: Props) {
  const s = strings.sync;
  const phase = p.phase === 'initial' ? s.initial : p.phase === 'backfill' ? s.backfill : s.done;
  const percent = p.fraction === null ? null : Math.round(p.fraction * 100);
  const parts = [
    phase,
    p.fraction !== null ? s.percent(p.fraction) : null,
    p.chatsDone !== null && p.chatsTotal !== null && p.phase !== 'done'
      ? s.chats(p.chatsDone, p.chatsTotal)
      : null,
    p.messagesStored > 0 ? s.messages(p.messagesStored) : null,
    p.etaMs !== null ? s.left(p.etaMs) : null,
  ].filter(Boolean);
  return (
    <div className={`sync-progress phase-${p.phase}`} data-account-id={p.accountId}>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={s.progressLabel(accountLabel)}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={parts.join(', ')}
        data-phase={p.phase}
      >
        <div
          className={`progress-fill${percent === null ? ' indeterminate' : ''}`}
          style={percent === null ? undefined : { width: `${percent}%` }}
        />
      </div>
      <p className="progress-text">{parts.join(' · ')}</p>
    </div>
  );
}
