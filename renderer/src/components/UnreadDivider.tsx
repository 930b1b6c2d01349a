// The "New messages" line above the first message that was unread when the chat opened.
interface Props {
  rowKey: string;
  top: number;
  observe(el: HTMLLIElement | null): void;
}

export function UnreadDivider({ rowKey, top, observe }: Props) {
  return (
    <li
      className="timeline-row unread-divider"
      role="separator"
      aria-label="New messages"
      data-row-key={rowKey}
      ref={observe}
      style={{ top }}
    >
      <span>New messages</span>
    </li>
  );
}
