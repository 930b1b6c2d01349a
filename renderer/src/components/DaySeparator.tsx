// "Today", "Yesterday" or the date, between days of the timeline. The row is
// a list item like every other row of the timeline's list; the separator
// role is on its content, so the list holds list items only.
import { dayLabel } from '../lib/format.js';

interface Props {
  ts: number;
  rowKey: string;
  top: number;
  observe(el: HTMLLIElement | null): void;
}

export function DaySeparator({ ts, rowKey, top, observe }: Props) {
  return (
    <li className="timeline-row day-separator" data-row-key={rowKey} ref={observe} style={{ top }}>
      <span role="separator" aria-label={dayLabel(ts)}>
        {dayLabel(ts)}
      </span>
    </li>
  );
}
