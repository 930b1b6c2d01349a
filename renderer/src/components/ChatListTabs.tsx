// Inbox or archived chats.
interface Props {
  archived: boolean;
  onChange(archived: boolean): void;
}

export function ChatListTabs({ archived, onChange }: Props) {
  return (
    <div className="chat-tabs" role="group" aria-label="Show">
      <button type="button" aria-pressed={!archived} onClick={() => onChange(false)}>
        Inbox
      </button>
      <button type="button" aria-pressed={archived} onClick={() => onChange(true)}>
        Archived
      </button>
    </div>
  );
}
