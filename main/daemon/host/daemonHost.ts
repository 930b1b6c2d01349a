// The host side of the daemon worker: a ParleyClient whose calls cross to the
// worker thread, and the keeper of secrets the worker asks for.
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  DaemonEvent,
  ParleyClient,
  ProcedureInput,
  ProcedureName,
  ProcedureOutput,
  ApiResult,
} from '../api/contract.js';
import { ApiError } from '../api/apiError.js';
import type { SecretBroker } from '../secrets/secretBroker.js';
import type { HostToWorker, WorkerData, WorkerToHost } from './protocol.js';
import { WORKER_LIMITS } from './workerLimits.js';

export interface DaemonHostOptions {
  profileDir: string;
  secrets: SecretBroker;
  /** The worker script; defaults to the daemonWorker beside this file (.js built, .ts in dev). */
  workerFile?: string;
  log?: (line: string) => void;
  /** See DaemonOptions.testOnlyLoopbackFetchPorts: test harnesses only. */
  testOnlyLoopbackFetchPorts?: number[];
  /**
   * Where the worker keeps V8's compiled code of its modules between starts
   * (Node's module compile cache); null: none. Default: compile-cache in the
   * profile, which is the user's own: V8 trusts code it reads from there, so
   * not a shared temp directory another local user could fill first. A
   * release's bundle has new chunk names, so each update leaves its old
   * entries (~2 MB); backups and exports never include them.
   */
  compileCacheDir?: string | null;
}

/**
 * The worker's environment. NODE_COMPILE_CACHE turns on Node's module
 * compile cache in that thread (Node >= 22.1: Electron's Node; plain Node 20
 * ignores it): from the second start on, the bundle and its chunks load as
 * deserialized code instead of being parsed and compiled again, which cut
 * the cold start to the first chat list by ~40 ms (docs/performance.md,
 * session 12). The worker's modules compile before the host sets V8 flags
 * (sizeHeapsForMemory), so the code they cache matches the next start's.
 */
export function workerEnv(compileCacheDir: string | null): NodeJS.ProcessEnv {
  if (compileCacheDir === null || process.env.NODE_COMPILE_CACHE) return process.env;
  return { ...process.env, NODE_COMPILE_CACHE: compileCacheDir };
}

function defaultWorkerFile(): string {
  for (const name of ['daemonWorker.js', 'daemonWorker.ts']) {
    const candidate = fileURLToPath(new URL(`./${name}`, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('daemonWorker script not found beside daemonHost');
}

/**
 * V8 otherwise lets the worker's old generation fill with a sync's garbage
 * (its live heap is ~10 MB, its heap 60 MB before a full GC). Sized for
 * memory, the daemon's process peaks at ~138 MB instead of ~193 MB (50k
 * messages) for ~5% more CPU while a bulk sync runs. Set once the worker
 * is up: set before, it costs the cold start ~60 ms of compiling
 * (docs/performance.md, "daemon RSS"). V8 flags are per process, so this
 * also sizes the host's own isolate.
 */
function sizeHeapsForMemory(): void {
  setFlagsFromString('--optimize-for-size');
}

export class DaemonHost implements ParleyClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (result: ApiResult<unknown>) => void>();
  private readonly listeners = new Set<(event: DaemonEvent) => void>();
  private closed = false;
  readonly ready: Promise<void>;

  constructor(private readonly options: DaemonHostOptions) {
    const file = options.workerFile ?? defaultWorkerFile();
    const workerData: WorkerData = {
      profileDir: options.profileDir,
      testOnlyLoopbackFetchPorts: options.testOnlyLoopbackFetchPorts ?? [],
    };
    const env = workerEnv(
      options.compileCacheDir === undefined
        ? join(options.profileDir, 'compile-cache')
        : options.compileCacheDir,
    );
    this.worker = file.endsWith('.ts')
      ? // From source (tests, tsx): Node 20 ignores `--import tsx` in a worker's
        // execArgv, so a tiny bootstrap registers tsx's loader, then imports the worker.
        new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
            `.then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`,
          { eval: true, workerData, resourceLimits: WORKER_LIMITS, env },
        )
      : new Worker(file, { workerData, resourceLimits: WORKER_LIMITS, env });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: WorkerToHost) => {
        if (m.type === 'ready') {
          sizeHeapsForMemory();
          resolve();
        } else if (m.type === 'fatal') reject(new Error(m.message));
        else return;
        this.worker.off('message', onMessage);
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
    });
    this.worker.on('message', (m: WorkerToHost) => this.onMessage(m));
    this.worker.on('error', (err) => this.failAll(`daemon worker failed: ${err.message}`));
    this.worker.on('exit', () => this.failAll('daemon worker exited'));
  }

  async call<P extends ProcedureName>(
    name: P,
    input: ProcedureInput<P>,
  ): Promise<ProcedureOutput<P>> {
    const result = await this.callRaw(name, input);
    if (!result.ok)
      throw new ApiError(result.error.code, result.error.message, result.error.issues);
    return result.value as ProcedureOutput<P>;
  }

  /** The untyped path transports use: any name, any input; the worker validates. */
  callRaw(name: string, input: unknown): Promise<ApiResult<unknown>> {
    if (this.closed)
      return Promise.resolve({
        ok: false,
        error: { code: 'unavailable', message: 'daemon is closed' },
      });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ type: 'call', id, name, input });
    });
  }

  subscribe(listener: (event: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  startSync(): void {
    this.send({ type: 'start-sync' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.on('message', (m: WorkerToHost) => {
        if (m.type === 'closed') void this.worker.terminate();
      });
    });
    this.send({ type: 'close' });
    await done;
    this.closed = true;
  }

  private send(message: HostToWorker): void {
    this.worker.postMessage(message);
  }

  private onMessage(m: WorkerToHost): void {
    switch (m.type) {
      case 'result': {
        const resolve = this.pending.get(m.id);
        this.pending.delete(m.id);
        resolve?.(m.result);
        return;
      }
      case 'event':
        for (const l of this.listeners) l(m.event);
        return;
      case 'secret':
        void this.answerSecret(m);
        return;
      case 'log':
        this.options.log?.(m.line);
        return;
      case 'ready':
      case 'fatal':
      case 'closed':
        return;
      default: {
        const never: never = m;
        throw new Error(`unknown worker message ${JSON.stringify(never)}`);
      }
    }
  }

  private async answerSecret(m: Extract<WorkerToHost, { type: 'secret' }>): Promise<void> {
    try {
      const { secrets } = this.options;
      const value =
        m.op === 'get'
          ? await secrets.get(m.key)
          : m.op === 'set'
            ? (await secrets.set(m.key, m.secret), null)
            : await secrets.delete(m.key);
      this.send({ type: 'secret-reply', id: m.id, ok: true, value });
    } catch (err) {
      const { name, message } = err as Error;
      this.send({ type: 'secret-reply', id: m.id, ok: false, name, message });
    }
  }

  private failAll(message: string): void {
    this.closed = true;
    for (const resolve of this.pending.values())
      resolve({ ok: false, error: { code: 'unavailable', message } });
    this.pending.clear();
  }
}
