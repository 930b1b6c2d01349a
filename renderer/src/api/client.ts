// The renderer's one client. In Electron the preload provides window.parley;
// in a browser (web mode) we speak WebSocket to the page's own origin. Either
// way the UI gets a typed ParleyClient and never learns which.
import type {
  DaemonEvent,
  ParleyClient,
  ProcedureInput,
  ProcedureName,
  ProcedureOutput,
} from '../../../main/daemon/api/contract.js';
import type { HostEvent, ParleyBridge, ShellCall, ShellEvent } from './bridge.js';
import { CallError } from './callError.js';
import { IPC_MAX_ATTACHMENT_BYTES, WEB_MAX_ATTACHMENT_BYTES, base64Of } from '../lib/files.js';
import { createWebBridge, type ConnectionState } from './webTransport.js';

export type { ConnectionState } from './webTransport.js';

export interface RendererClient extends ParleyClient {
  readonly mode: 'electron' | 'web';
  /** Where an <img>/<video> loads a stored blob from. */
  blobUrl(sha256: string): string;
  /**
   * A file's bytes as messages.sendAttachment takes them: uploaded to the blob
   * folder first in web mode (an HTTP body, any size), base64 over IPC in Electron.
   */
  attachmentBytes(file: Blob): Promise<{ blobSha256: string } | { dataBase64: string }>;
  /** The largest file the composer offers to send this way. */
  readonly maxAttachmentBytes: number;
  /** Tells the shell what the window shows (Electron); web mode ignores it. */
  shell(call: ShellCall): void;
  onShellEvent(listener: (event: ShellEvent) => void): () => void;
  /** The connection state now and on every change (web mode); Electron is always 'open'. */
  onConnection(listener: (state: ConnectionState, everOpened: boolean) => void): () => void;
  /** Stops for good: web mode closes its socket and no longer reconnects (it cannot sign in). */
  close(): void;
}

const isShellEvent = (event: HostEvent): event is ShellEvent => event.name.startsWith('shell.');

interface HostSpecifics {
  mode: RendererClient['mode'];
  blobUrl: RendererClient['blobUrl'];
  attachmentBytes: RendererClient['attachmentBytes'];
  maxAttachmentBytes: number;
  onConnection: RendererClient['onConnection'];
  close: RendererClient['close'];
}

function wrap(bridge: ParleyBridge, host: HostSpecifics): RendererClient {
  const { mode } = host;
  return {
    ...host,
    async call<P extends ProcedureName>(
      name: P,
      input: ProcedureInput<P>,
    ): Promise<ProcedureOutput<P>> {
      const result = await bridge.call(name, input);
      if (!result.ok) throw new CallError(result.error);
      return result.value as ProcedureOutput<P>;
    },
    subscribe(listener: (event: DaemonEvent) => void) {
      return bridge.subscribe((event) => {
        if (!isShellEvent(event)) listener(event);
      });
    },
    onShellEvent(listener) {
      return bridge.subscribe((event) => {
        if (isShellEvent(event)) listener(event);
      });
    },
    shell(call) {
      // Best effort: the shell only uses it to decide about notifications.
      if (mode === 'electron') bridge.call(call.name, call.input).catch(() => undefined);
    },
  };
}

/** Thrown when the page is not signed in: it was opened without the printed address. */
export class NotSignedInError extends Error {
  constructor() {
    super('Open Parley with the address printed by "parley web" (it ends in ?token=…).');
    this.name = 'NotSignedInError';
  }
}

/** POST /upload: the file as the body; the session cookie signs it in. */
async function uploadToWebHost(file: Blob): Promise<{ blobSha256: string }> {
  let res: Response;
  try {
    res = await fetch('/upload', {
      method: 'POST',
      body: file,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/octet-stream' },
    });
  } catch {
    throw new CallError({ code: 'unavailable', message: 'the upload to Parley failed' });
  }
  const result = (await res.json().catch(() => null)) as
    | { ok: true; value: { sha256: string } }
    | { ok: false; error: { code: 'invalid_input'; message: string } }
    | null;
  if (!result)
    throw new CallError({ code: 'unavailable', message: `upload failed (${res.status})` });
  if (!result.ok) throw new CallError(result.error);
  return { blobSha256: result.value.sha256 };
}

/**
 * Web mode: resolves when the page is signed in (session cookie), else throws
 * NotSignedInError. Asked only when the socket's first attempt fails: a signed-in
 * page (every load but the first) does not wait for this round trip.
 */
export async function requireWebSession(): Promise<void> {
  const res = await fetch('/session', { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401) throw new NotSignedInError();
  if (!res.ok) throw new Error(`Parley did not answer (${res.status}).`);
}

export function createClient(): RendererClient {
  const native = window.parley;
  if (native)
    return wrap(native, {
      mode: 'electron',
      blobUrl: (sha) => `parley-blob://${encodeURIComponent(sha)}`,
      attachmentBytes: async (file) => ({ dataBase64: await base64Of(file) }),
      maxAttachmentBytes: IPC_MAX_ATTACHMENT_BYTES,
      onConnection: (listener) => {
        listener('open', true);
        return () => undefined;
      },
      close: () => undefined,
    });
  const bridge = createWebBridge();
  return wrap(bridge, {
    mode: 'web',
    blobUrl: (sha) => `/blob/${encodeURIComponent(sha)}`,
    attachmentBytes: uploadToWebHost,
    maxAttachmentBytes: WEB_MAX_ATTACHMENT_BYTES,
    onConnection: (listener) => bridge.onConnection(listener),
    close: () => bridge.close(),
  });
}
