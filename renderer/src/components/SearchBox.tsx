// The search field. Ctrl/Cmd+K focuses it from anywhere; Escape clears it.
import { useEffect, useRef } from 'react';

interface Props {
  value: string;
  onChange(value: string): void;
}

export function SearchBox({ value, onChange }: Props) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="search-box" role="search">
      <input
        ref={input}
        type="search"
        placeholder="Search messages (from: in: before: …)"
        aria-label="Search messages"
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
