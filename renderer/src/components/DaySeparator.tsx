// "Today", "Yesterday" or the date, between days of the timeline.
import { dayLabel } from '../lib/format.js';

interface Props {
  ts: number;
  rowKey: string;
  top: number;
  observe(el: HTMLLIElement | null): void;
}

export function DaySeparator({ ts, rowKey, top, observe }: Props) {
  return (
    <li
      className="timeline-row day-separator"
      role="separator"
      aria-label={dayLabel(ts)}
      data-row-key={rowKey}
      ref={observe}
      style={{ top }}
    >
      <span>{dayLabel(ts)}</span>
    </li>
  );
}
