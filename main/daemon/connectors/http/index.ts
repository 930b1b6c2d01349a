// The connector kit's HTTP part: deadlines, retry-after, status → error kind,
// schema-parsed answers. Every connector's transport is built on these.
export { parseRetryAfter, retryAfterMs } from './retryAfter.js';
export { errorForStatus, TransientHttpError, type StatusErrorOptions } from './statusError.js';
export {
  DEFAULT_TIMEOUT_MS,
  deadlines,
  redactPath,
  timedFetch,
  type FetchLike,
} from './request.js';
export { issueSummary, parseJson, parseResponse, wellFormedEscapes } from './schema.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  ERROR_BODY_BYTES,
  readText,
  ResponseTooLargeError,
  type ReadOptions,
} from './body.js';
export { readJsonSplit, type JsonPath, type SplitAt } from './jsonSplit.js';
