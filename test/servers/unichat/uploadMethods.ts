// attachment_by_chunks (sync and async), voice_recognition and
// voice_recognition_result.
import { crc32 } from 'node:zlib';
import { GroupOps } from './groupOps.js';
import { attachmentRecord } from './wire.js';
import {
  RpcError,
  isoTime,
  long,
  optBool,
  optLong,
  optString,
  requireUser,
  string,
  type Call,
  type Ctx,
  type MethodTable,
} from './rpc.js';
import type { Upload } from './store.js';

const SYNC_CHUNK_BYTES = 64_000;
const ASYNC_CHUNK_BYTES = 1_048_576;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function uploadMethods(ctx: Ctx): MethodTable {
  const { store } = ctx;
  const ops = new GroupOps(ctx);

  function ownUpload(call: Call, id: number): Upload {
    const up = store.uploads.get(id);
    if (!up || up.userId !== call.user!.id) throw new RpcError('not_found', `no upload ${id}`);
    return up;
  }

  /** Once every byte is there: assemble by chunk_id and check size and CRC32. */
  function finishIfComplete(up: Upload): void {
    const parts = [...up.chunks.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
    const received = parts.reduce((n, b) => n + b.length, 0);
    if (received < up.fileSize) return;
    const data = Buffer.concat(parts);
    if (received > up.fileSize || crc32(data) !== up.fileChecksum) {
      // The bytes cannot become this file; the client starts a new upload.
      store.uploads.delete(up.id);
      throw new RpcError(
        received > up.fileSize ? 'file_size_mismatch' : 'checksum_mismatch',
        received > up.fileSize
          ? `received ${received} bytes, file_size is ${up.fileSize}`
          : 'the CRC32 of the assembled file does not match file_checksum',
      );
    }
    up.file = store.addFile(up.contentType ?? 'application/octet-stream', up.fileName, data);
  }

  function recognition(up: Upload) {
    const file = up.file!;
    const isAudio = file.contentType.startsWith('audio/');
    const done = up.recognitionStartedAt !== null;
    return {
      // A stand-in: no speech is recognised; the transcript is derived from the file.
      status: !done ? 'pending' : isAudio ? 'completed' : 'failed',
      transcript:
        done && isAudio ? `Transcript of ${file.filename} (${file.data.length} bytes)` : null,
      error: done && !isAudio ? 'not an audio file' : null,
      created_at: isoTime(up.recognitionStartedAt ?? new Date()),
      updated_at: isoTime(new Date()),
      audio: {
        filename: file.filename,
        content_type: file.contentType,
        byte_size: String(file.data.length),
        url: attachmentRecord(ctx, file).url,
      },
    };
  }

  function finishedUpload(call: Call): Upload {
    const up = ownUpload(call, long(call.args, 'upload_id'));
    if (!up.file) throw new RpcError('upload_incomplete', 'the upload is not complete');
    if (!up.voiceRecognition)
      throw new RpcError('invalid_arguments', 'upload it with voice_recognition: true');
    return up;
  }

  return {
    attachment_by_chunks: (call) => {
      const me = requireUser(call);
      const { args } = call;
      const isAsync = optBool(args, 'async') ?? false;
      const chunkText = string(args, 'file_chunk');
      if (!BASE64.test(chunkText))
        throw new RpcError('invalid_arguments', 'file_chunk: not base64');
      const chunk = Buffer.from(chunkText, 'base64');
      const limit = isAsync ? ASYNC_CHUNK_BYTES : SYNC_CHUNK_BYTES;
      if (chunk.length > limit)
        throw new RpcError('chunk_too_large', `a chunk may hold at most ${limit} bytes`);
      const uploadId = optLong(args, 'upload_id');
      let up: Upload;
      if (uploadId === null) {
        const fileSize = long(args, 'file_size');
        const checksum = long(args, 'file_checksum');
        if (fileSize <= 0) throw new RpcError('invalid_arguments', 'file_size: must be positive');
        const voice = optBool(args, 'voice_recognition') ?? false;
        if (voice) ops.own(call, long(args, 'subscription_id'));
        up = {
          id: store.nextId('upload'),
          userId: me.id,
          fileName: string(args, 'file_name'),
          fileSize,
          // Clients send the unsigned CRC32; a signed one means the same bits.
          fileChecksum: checksum >>> 0,
          contentType: optString(args, 'content_type'),
          async: isAsync,
          chunks: new Map(),
          file: null,
          voiceRecognition: voice,
          recognitionStartedAt: null,
        };
        store.uploads.set(up.id, up);
      } else {
        up = ownUpload(call, uploadId);
        if (up.file) throw new RpcError('upload_complete', 'the upload is already complete');
      }
      const chunkId = isAsync ? long(args, 'chunk_id') : up.chunks.size;
      if (chunkId < 0) throw new RpcError('invalid_arguments', 'chunk_id: must be >= 0');
      if (up.chunks.has(chunkId) && !up.chunks.get(chunkId)!.equals(chunk))
        throw new RpcError('invalid_arguments', `chunk ${chunkId} was already sent`);
      up.chunks.set(chunkId, chunk);
      finishIfComplete(up);
      const received = [...up.chunks.values()].reduce((n, b) => n + b.length, 0);
      return {
        upload_id: up.id,
        file_size: isAsync ? chunk.length : received,
        file_checksum: isAsync ? crc32(chunk) : crc32(Buffer.concat([...up.chunks.values()])),
        content_type: up.file?.contentType ?? up.contentType,
        voice_recognition: up.voiceRecognition,
      };
    },

    voice_recognition: (call) => {
      requireUser(call);
      const up = finishedUpload(call);
      const result = recognition(up);
      up.recognitionStartedAt ??= new Date();
      return { result };
    },

    voice_recognition_result: (call) => {
      requireUser(call);
      const up = finishedUpload(call);
      if (!up.recognitionStartedAt)
        throw new RpcError('not_found', 'call voice_recognition for this upload first');
      return { result: recognition(up) };
    },
  };
}
