// The "New messages" line above the first message that was unread when the chat opened.
interface Props {
  rowKey: string;
  top: number;
  observe(el: HTMLLIElement | null): void;
}

export function UnreadDivider({ rowKey, top, observe }: Props) {
  return (
    // The row stays a list item (the timeline's list holds only items); the line inside is the separator.
    <li className="timeline-row unread-divider" data-row-key={rowKey} ref={observe} style={{ top }}>
      <span role="separator" aria-label="New messages">
        New messages
      </span>
    </li>
  );
}
