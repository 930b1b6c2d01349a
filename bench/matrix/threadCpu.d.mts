export type ThreadSnapshot = Map<string, number>;
/** CPU milliseconds of the calling JavaScript thread and of every other thread. */
export interface ThreadCpu {
  js: number;
  others: number;
}
export function threadSnapshot(): ThreadSnapshot | null;
export function threadCpuSince(before: ThreadSnapshot | null): ThreadCpu | null;
