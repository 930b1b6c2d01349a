// The members matching an "@" being typed, as a listbox above the composer.
// The textarea keeps the focus; it moves the selection (↑/↓) and picks
// (Enter, Tab), and points at the active option with aria-activedescendant.
import type { MemberView } from '../../../main/daemon/api/contract.js';
import { Avatar } from './Avatar.js';

interface Props {
  accountId: number;
  members: readonly MemberView[];
  active: number;
  onPick(member: MemberView): void;
}

export const mentionOptionId = (i: number) => `mention-option-${i}`;

export function MentionSuggestions({ accountId, members, active, onPick }: Props) {
  if (members.length === 0) return null;
  return (
    <ul className="mention-suggestions" role="listbox" id="mention-suggestions" aria-label="People">
      {members.map((m, i) => (
        <li
          key={m.personRemoteId}
          id={mentionOptionId(i)}
          role="option"
          aria-selected={i === active}
          className={i === active ? 'active' : undefined}
          onMouseDown={(e) => {
            // Keep the focus in the textarea.
            e.preventDefault();
            onPick(m);
          }}
        >
          <Avatar
            accountId={accountId}
            id={m.personRemoteId}
            name={m.name}
            uri={m.avatarUrl}
            size={20}
          />
          <span className="mention-name">{m.name}</span>
          <span className="mention-id">{m.personRemoteId}</span>
        </li>
      ))}
    </ul>
  );
}
