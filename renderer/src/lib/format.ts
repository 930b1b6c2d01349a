// Dates and sizes as people read them.
const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() &&
  a.getMonth() === b.getMonth() &&
  a.getDate() === b.getDate();

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "14:05" today, "Mar 3" otherwise. */
export function shortTime(ts: number, now = new Date()): string {
  if (!ts) return '';
  const date = new Date(ts);
  return sameDay(date, now) ? timeFormat.format(date) : dayFormat.format(date);
}

/**
 * Formats a time shown to the minute, remembering the last few thousand
 * minutes: Intl formatting is among the costliest work of a timeline row
 * (each row shows its time and names it twice, in a title and a label).
 */
function byMinute(format: Intl.DateTimeFormat): (ts: number) => string {
  const cache = new Map<number, string>();
  return (ts) => {
    const minute = Math.floor(ts / 60_000);
    let text = cache.get(minute);
    if (text === undefined) {
      if (cache.size >= 4096) cache.clear();
      text = format.format(new Date(ts));
      cache.set(minute, text);
    }
    return text;
  };
}
const fullTimeOf = byMinute(fullFormat);
const timeOfDayOf = byMinute(timeFormat);

export function fullTime(ts: number): string {
  return fullTimeOf(ts);
}

export function byteSize(size: number | null): string {
  if (size === null) return '';
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

const longDay = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
  year: 'numeric',
});

/** "Today", "Yesterday", or "Monday, March 3, 2025". */
export function dayLabel(ts: number, now = new Date()): string {
  const date = new Date(ts);
  if (sameDay(date, now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return 'Yesterday';
  return longDay.format(date);
}

export function timeOfDay(ts: number): string {
  return timeOfDayOf(ts);
}

// Numbers in the user's locale (Intl), for counts, shares and time left.
const countFormat = new Intl.NumberFormat(undefined);
const percentFormat = new Intl.NumberFormat(undefined, {
  style: 'percent',
  maximumFractionDigits: 0,
});

/** "12,345" (en), "12 345" (fr), … */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** 0.42 → "42%" in the user's locale. */
export function formatPercent(fraction: number): string {
  return percentFormat.format(fraction);
}

const durationUnits = [
  { unit: 'hour', ms: 3_600_000 },
  { unit: 'minute', ms: 60_000 },
  { unit: 'second', ms: 1000 },
] as const;
const unitFormats = new Map<string, Intl.NumberFormat>();

/** A rounded duration in the largest fitting unit: "3 minutes", "45 seconds" (locale's words). */
export function formatDuration(ms: number): string {
  const { unit, ms: size } =
    durationUnits.find((u) => ms >= u.ms) ?? durationUnits[durationUnits.length - 1]!;
  let format = unitFormats.get(unit);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'unit', unit, unitDisplay: 'long' });
    unitFormats.set(unit, format);
  }
  return format.format(Math.max(unit === 'second' ? 1 : 0, Math.round(ms / size)));
}
