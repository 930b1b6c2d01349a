// The message search field ("/" or Ctrl/Cmd+Shift+F focuses it, see
// useGlobalKeys); Escape clears it.
interface Props {
  value: string;
  onChange(value: string): void;
}

export function SearchBox({ value, onChange }: Props) {
  return (
    <div className="search-box" role="search">
      <input
        type="search"
        placeholder="Search messages (from: in: before: …)"
        aria-label="Search messages"
        aria-keyshortcuts="/ Control+Shift+F"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onChange('');
        }}
        spellCheck={false}
        autoComplete="off"
      />
    </div>
  );
}
