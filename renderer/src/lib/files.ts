// Files the user drops or pastes into the composer, read for sending.
export interface PendingFile {
  id: number;
  file: File;
}

/** Largest file the desktop composer sends (the bytes cross IPC as base64). */
export const IPC_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
/** Largest file web mode sends (streamed to POST /upload; the web host's default cap). */
export const WEB_MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024 * 1024;

export function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}

/** An image's pixel size, when the browser can decode it. */
export async function imageSize(file: File): Promise<{ width: number; height: number } | null> {
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return null;
  try {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  } catch {
    return null;
  }
}
