// Messages between the daemon bench's harness and its daemon process, and
// how either reads a process's resident memory.
import { readFileSync } from 'node:fs';
import type { AccountSpec } from '../world.js';

export type ToDaemonProcess =
  | { cmd: 'add'; accounts: AccountSpec[] }
  | { cmd: 'settle' }
  | { cmd: 'measure'; samples: number }
  | { cmd: 'close' };

export type FromDaemonProcess =
  | { type: 'ready'; ms: number }
  | { type: 'first-list'; rows: number; ms: number; readyMs: number; cpuMs: number }
  | { type: 'added' }
  | { type: 'settled'; ms: number }
  | {
      type: 'measured';
      chatListMs: number[];
      rows: number;
      events: number;
      eventBytes: number;
      /** Of those, messages.upserted / messages.removed (the watched chat's). */
      messageEvents: number;
      messageEventBytes: number;
      status: MemoryStatus;
    }
  | { type: 'closed'; status: MemoryStatus };

export interface MemoryStatus {
  /** Resident now and at its peak (the kernel's VmRSS / VmHWM), MB: main thread + daemon worker. */
  rssMb: number;
  peakRssMb: number;
}

/** This process's resident memory, from /proc (the whole process, every thread). */
export function memoryStatus(pid: number | 'self' = 'self'): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(/(\d+) kB/.exec(status.split(`${field}:`)[1] ?? '')?.[1]);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}
