// Server answers are parsed, not trusted: JSON first, then a zod schema per
// response. Either failure is a ProtocolError whose message says in one line
// what was wrong and where (never the body itself: it may hold messages).
import type { z } from 'zod';
import { ProtocolError } from '../errors.js';

/** The first `max` issues as "path: message", joined by "; ". */
export function issueSummary(error: z.ZodError, max = 1): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * JSON.parse that fails as a ProtocolError with `describe()` as its message.
 * A lone surrogate escape (`"\ud800"`: valid JSON, not valid text) becomes
 * U+FFFD, as invalid UTF-8 does when the body is decoded: such a string would
 * otherwise break encodeURIComponent, TextEncoder round trips and SQLite's
 * UTF-8 text far from here.
 */
export function parseJson(text: string, describe: () => string): unknown {
  try {
    return JSON.parse(wellFormedEscapes(text)) as unknown;
  } catch {
    throw new ProtocolError(describe());
  }
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
// An escape preceded by an odd run of backslashes is a real escape; a high
// surrogate not followed by a low one, or a low one not after a high one, is lone.
const LONE_HIGH =
  /(?<!\\)((?:\\\\)*)\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})/g;
const LONE_LOW =
  /(?<!\\u[dD][89abAB][0-9a-fA-F]{2})(?<!\\)((?:\\\\)*)\\u[dD][c-fC-F][0-9a-fA-F]{2}/g;

/** The JSON text with lone surrogate escapes replaced by \ufffd (fast when there are none). */
export function wellFormedEscapes(text: string): string {
  if (!SURROGATE_ESCAPE.test(text)) return text;
  return text.replace(LONE_HIGH, '$1\\ufffd').replace(LONE_LOW, '$1\\ufffd');
}

/** Parses with the schema; a mismatch is a ProtocolError built from the one-line reason. */
export function parseResponse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  describe: (reason: string) => string,
  maxIssues = 1,
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ProtocolError(describe(issueSummary(parsed.error, maxIssues)));
  return parsed.data;
}
