// Files waiting in the composer, each removable.
import { byteSize } from '../lib/format.js';
import type { PendingFile } from '../lib/files.js';

export function PendingFiles({
  files,
  onRemove,
}: {
  files: PendingFile[];
  onRemove(id: number): void;
}) {
  if (files.length === 0) return null;
  return (
    <ul className="pending-files" aria-label="Files to send">
      {files.map(({ id, file }) => (
        <li key={id}>
          <span aria-hidden="true">{file.type.startsWith('image/') ? '🖼' : '📄'} </span>
          {file.name} <span className="muted">({byteSize(file.size)})</span>
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove ${file.name}`}
            onClick={() => onRemove(id)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
