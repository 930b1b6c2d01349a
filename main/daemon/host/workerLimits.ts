// The daemon worker's resource limits, one place for the host and for the
// benchmarks that run a job as the daemon runs (bench/matrix/asTheDaemon.ts).

/**
 * The worker's young generation capped at 8 MB (V8's default grows it to
 * 16–32 MB under a sync's allocation rate): a sync's short-lived objects
 * are collected sooner, for a lower peak RSS (docs/performance.md, session 5).
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };
