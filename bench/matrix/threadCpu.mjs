// Where a process's CPU goes, by thread (Linux: /proc/self/task). A client's
// process CPU counts every thread: V8's GC helpers and compiler threads,
// libuv's pool, a native library's own threads. The profiler sees only the
// JavaScript thread, so this is how the rest is told apart. Plain JavaScript:
// the SDK's client (jssdkClient.mjs) runs under node as it is.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// utime and stime, in clock ticks (fields 14 and 15 of /proc/<pid>/task/<tid>/stat).
const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux Node supports

/** A snapshot of every live thread's CPU, keyed by thread id; null off Linux. */
export function threadSnapshot() {
  let tids;
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const out = new Map();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces: the fields follow the last ')'.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      out.set(tid, (ticks * 1000) / TICKS_PER_S);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out;
}

/**
 * CPU milliseconds since `before`: `js`, the calling JavaScript thread (the
 * job's worker, as the app runs it), and `others`, every other thread (V8's
 * platform threads: concurrent and parallel GC, optimising compilers; libuv's
 * pool; the host thread). Node leaves its helper threads named after the
 * process, so names would not tell them apart. Threads that ended in between
 * are not counted: their time is in the process's total only.
 */
export function threadCpuSince(before) {
  const now = threadSnapshot();
  if (!now || !before) return null;
  let self = '';
  try {
    // /proc/thread-self → /proc/<pid>/task/<tid> of the calling thread.
    self = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
  } catch {
    return null;
  }
  let js = 0;
  let others = 0;
  for (const [tid, ms] of now) {
    const spent = ms - (before.get(tid) ?? 0);
    if (tid === self) js += spent;
    else others += spent;
  }
  return { js, others };
}
