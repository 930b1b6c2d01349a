// RFC 8620 wire types and their runtime schemas: everything the server sends
// goes through one of these before the client uses it (parse, don't trust).
// Objects are "loose": properties we do not know are kept, not dropped.
import * as z from 'zod';

export const CORE = 'urn:ietf:params:jmap:core';
export const WEBSOCKET = 'urn:ietf:params:jmap:websocket';

const count = z.number().int().nonnegative();

/** urn:ietf:params:jmap:core limits, with RFC 8620's suggested minimums as fallbacks. */
export const CoreCapabilitySchema = z.looseObject({
  maxSizeUpload: count.catch(50_000_000),
  maxConcurrentUpload: count.catch(4),
  maxSizeRequest: count.catch(10_000_000),
  maxConcurrentRequests: count.catch(4),
  maxCallsInRequest: count.catch(16),
  maxObjectsInGet: count.catch(500),
  maxObjectsInSet: count.catch(500),
  collationAlgorithms: z.array(z.string()).catch([]),
});
export type CoreCapability = z.infer<typeof CoreCapabilitySchema>;

export const WebSocketCapabilitySchema = z.looseObject({
  url: z.string().min(1),
  supportsPush: z.boolean(),
});

export const AccountSchema = z.looseObject({
  name: z.string(),
  isPersonal: z.boolean().optional(),
  isReadOnly: z.boolean().optional(),
  accountCapabilities: z.record(z.string(), z.unknown()),
});

export const SessionSchema = z.looseObject({
  capabilities: z.record(z.string(), z.unknown()),
  accounts: z.record(z.string(), AccountSchema),
  primaryAccounts: z.record(z.string(), z.string()),
  username: z.string(),
  apiUrl: z.string().min(1),
  downloadUrl: z.string().min(1),
  uploadUrl: z.string().min(1),
  eventSourceUrl: z.string().min(1).optional().nullable(),
  state: z.string(),
});
export type SessionWire = z.infer<typeof SessionSchema>;

export const InvocationSchema = z.tuple([
  z.string(),
  z.record(z.string(), z.unknown()),
  z.string(),
]);
export type Invocation = [name: string, args: Record<string, unknown>, callId: string];

export const ResponseSchema = z.looseObject({
  methodResponses: z.array(InvocationSchema),
  sessionState: z.string(),
  createdIds: z.record(z.string(), z.string()).optional(),
});
export type ResponseWire = z.infer<typeof ResponseSchema>;

/** RFC 7807 problem details, the shape of a request-level error. */
export const ProblemSchema = z.looseObject({
  type: z.string(),
  status: z.number().optional(),
  detail: z.string().optional(),
  limit: z.string().optional(),
});

export const MethodErrorSchema = z.looseObject({
  type: z.string(),
  description: z.string().optional().nullable(),
  /** Seconds, on rateLimited (JMAP Chat) or serverUnavailable. */
  serverRetryAfter: z.number().optional().nullable(),
});

export const GetResponseSchema = z.looseObject({
  accountId: z.string(),
  state: z.string(),
  list: z.array(z.looseObject({ id: z.string() })),
  notFound: z.array(z.string()).nullable().optional(),
});

export const ChangesResponseSchema = z.looseObject({
  accountId: z.string(),
  oldState: z.string(),
  newState: z.string(),
  hasMoreChanges: z.boolean(),
  created: z.array(z.string()),
  updated: z.array(z.string()),
  destroyed: z.array(z.string()),
});
export type ChangesResponse = z.infer<typeof ChangesResponseSchema>;

export const QueryResponseSchema = z.looseObject({
  accountId: z.string(),
  queryState: z.string(),
  canCalculateChanges: z.boolean().optional(),
  position: count,
  ids: z.array(z.string()),
  total: count.optional(),
});
export type QueryResponse = z.infer<typeof QueryResponseSchema>;

export const QueryChangesResponseSchema = z.looseObject({
  accountId: z.string(),
  oldQueryState: z.string(),
  newQueryState: z.string(),
  total: count.optional(),
  removed: z.array(z.string()),
  added: z.array(z.object({ id: z.string(), index: count })),
});
export type QueryChangesResponse = z.infer<typeof QueryChangesResponseSchema>;

export const SetErrorSchema = z.looseObject({
  type: z.string(),
  description: z.string().optional().nullable(),
  properties: z.array(z.string()).optional().nullable(),
  /** With rateLimited: seconds (RFC 8620 style) or a UTCDate (some JMAP Chat servers). */
  serverRetryAfter: z.union([z.string(), z.number()]).nullish().catch(null),
});
export type SetError = z.infer<typeof SetErrorSchema>;

const setErrors = z.record(z.string(), SetErrorSchema).nullable().optional();
export const SetResponseSchema = z.looseObject({
  accountId: z.string(),
  oldState: z.string().nullable().optional(),
  newState: z.string(),
  created: z
    .record(z.string(), z.looseObject({ id: z.string() }))
    .nullable()
    .optional(),
  updated: z.record(z.string(), z.unknown()).nullable().optional(),
  destroyed: z.array(z.string()).nullable().optional(),
  notCreated: setErrors,
  notUpdated: setErrors,
  notDestroyed: setErrors,
});
export type SetResponse = z.infer<typeof SetResponseSchema>;

export const UploadResponseSchema = z.looseObject({
  accountId: z.string(),
  blobId: z.string(),
  type: z.string(),
  size: count,
});
export type UploadResponse = z.infer<typeof UploadResponseSchema>;

/** A push StateChange (RFC 8620 §7.1): accountId → type → state. */
export const StateChangeSchema = z.looseObject({
  '@type': z.literal('StateChange'),
  changed: z.record(z.string(), z.record(z.string(), z.string())),
  pushState: z.string().optional(),
});
export type StateChange = z.infer<typeof StateChangeSchema>;

/** A result reference (RFC 8620 §3.7). */
export interface ResultReference {
  resultOf: string;
  name: string;
  path: string;
}
