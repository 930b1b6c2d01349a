// A small set of emoji to react with; arrow keys move, Escape closes.
import { useEffect, useRef, type KeyboardEvent } from 'react';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '👀', '✅'];

interface Props {
  onPick(key: string): void;
  onClose(): void;
}

export function ReactionPicker({ onPick, onClose }: Props) {
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    list.current?.querySelector('button')?.focus();
  }, []);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(list.current?.querySelectorAll('button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const step = e.key === 'ArrowRight' ? 1 : -1;
      buttons[(at + step + buttons.length) % buttons.length]?.focus();
    }
  };
  return (
    <div
      className="reaction-picker"
      role="toolbar"
      aria-label="Pick a reaction"
      ref={list}
      onKeyDown={onKeyDown}
    >
      {QUICK_REACTIONS.map((key) => (
        <button key={key} type="button" aria-label={`React ${key}`} onClick={() => onPick(key)}>
          {key}
        </button>
      ))}
    </div>
  );
}
