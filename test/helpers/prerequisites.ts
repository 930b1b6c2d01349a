// Skips for a missing server, browser or keychain all go through here, so the
// test runner can find them in the TAP output: it counts every skipped test
// and suite, and under CI=true a skip for a missing prerequisite fails the run
// naming what is missing (scripts/run-tests.mjs reads MISSING_MARKER).

/** The text every such skip reason starts with; scripts/run-tests.mjs matches it. */
export const MISSING_MARKER = 'missing prerequisite:';

/**
 * A `skip` option for node:test: false when `present`, otherwise a reason
 * naming `what` is missing and how to get it.
 */
export function requires(what: string, present: boolean, howToGetIt: string): false | string {
  return present ? false : `${MISSING_MARKER} ${what} (${howToGetIt})`;
}

/** The first missing prerequisite of several, or false when all are there. */
export function firstMissing(...skips: (false | string)[]): false | string {
  return skips.find((s) => s !== false) ?? false;
}
