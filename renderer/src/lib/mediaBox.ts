// The box a picture or video takes in the timeline, known before it loads
// (from the width and height the sender gave), so nothing below it moves
// when it arrives. Pure, so it is tested in Node.
export interface MediaBox {
  width: number;
  height: number;
}

export const MAX_BOX: MediaBox = { width: 360, height: 280 };
/** Used when the sender gave no size: a 4:3 box. */
export const UNKNOWN_BOX: MediaBox = { width: 240, height: 180 };

/** Scaled down (never up) to fit `max`, keeping the aspect ratio; at least 32 px each way. */
export function mediaBox(
  width: number | null | undefined,
  height: number | null | undefined,
  max: MediaBox = MAX_BOX,
): MediaBox {
  if (!width || !height || width <= 0 || height <= 0) return UNKNOWN_BOX;
  const scale = Math.min(1, max.width / width, max.height / height);
  return {
    width: Math.max(32, Math.round(width * scale)),
    height: Math.max(32, Math.round(height * scale)),
  };
}
