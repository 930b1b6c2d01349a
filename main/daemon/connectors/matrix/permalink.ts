// Matrix permalinks: matrix.to links (spec: "Matrix URIs" / matrix.to
// navigation), which any Matrix client and a web browser can open.

/** A link to one event in a room; the ids are percent-encoded as matrix.to expects. */
export function matrixPermalink(roomId: string, eventId: string): string {
  return `https://matrix.to/#/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`;
}
