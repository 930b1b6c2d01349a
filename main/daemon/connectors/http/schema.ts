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

/** JSON.parse that fails as a ProtocolError with `describe()` as its message. */
export function parseJson(text: string, describe: () => string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError(describe());
  }
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
