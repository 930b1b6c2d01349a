// Each connector declares the outbox operations it handles as a table from
// operation name to handler; its perform() dispatches through the table. What
// is not in the table is not supported: the API refuses it before queueing
// (`unsupported`), and the write capabilities are read off the table, so they
// cannot disagree with what perform() does.
import type { OpName, OpOf, OutboxOp } from '../model/ops.js';
import {
  firstAttempt,
  type ConnectorCapabilities,
  type ConnectorContext,
  type WriteAttempt,
  type WriteResult,
} from './connector.js';
import { PermanentError } from './errors.js';

/** Performs one operation with the connector's open session `S`; the key makes a retry safe. */
export type OperationHandler<S, N extends OpName> = (
  session: S,
  op: OpOf<N>,
  idempotencyKey: string,
  ctx: ConnectorContext,
  attempt: WriteAttempt,
) => Promise<WriteResult>;

export type OperationTable<S> = { readonly [N in OpName]?: OperationHandler<S, N> };

/** An operation the account's connector does not handle; never retried. */
export class UnsupportedOperationError extends PermanentError {
  override name = 'unsupported';
  constructor(
    readonly protocol: string,
    readonly op: string,
  ) {
    super(`${protocol} accounts cannot ${describeOperation(op)}`);
  }
}

/** The names a table handles, for Connector.operations. */
export function operationNames<S>(table: OperationTable<S>): ReadonlySet<OpName> {
  return new Set(
    (Object.keys(table) as OpName[]).filter((name) => typeof table[name] === 'function'),
  );
}

/** Runs `op` through the table; an operation outside it is an UnsupportedOperationError. */
export function dispatch<S>(
  protocol: string,
  table: OperationTable<S>,
  session: S,
  op: OutboxOp,
  idempotencyKey: string,
  ctx: ConnectorContext,
  attempt: WriteAttempt = firstAttempt(),
): Promise<WriteResult> {
  // The table's type pairs each name with its own operation's type; the lookup
  // by a runtime name cannot show that to the compiler.
  const handler = table[op.op] as OperationHandler<S, OpName> | undefined;
  if (!handler) throw new UnsupportedOperationError(protocol, op.op);
  return handler(session, op, idempotencyKey, ctx, attempt);
}

/** The write half of ConnectorCapabilities, as the operation table says. */
export type WriteCapabilities = Pick<
  ConnectorCapabilities,
  'edit' | 'react' | 'delete' | 'readMarkers' | 'membership'
>;

/** The rest: what a connector declares itself (push, history, ephemeral calls, downloads). */
export type ReadCapabilities = Omit<ConnectorCapabilities, keyof WriteCapabilities>;

/** The full capabilities: the declared half plus what the operation table handles. */
export function capabilitiesOf(
  declared: ReadCapabilities,
  ops: ReadonlySet<OpName>,
): ConnectorCapabilities {
  return { ...declared, ...writeCapabilities(ops) };
}

export function writeCapabilities(ops: ReadonlySet<OpName>): WriteCapabilities {
  return {
    edit: ops.has('edit'),
    react: ops.has('react'),
    delete: ops.has('delete') || ops.has('mailDelete'),
    readMarkers: ops.has('read'),
    membership: ['chatCreate', 'chatJoin', 'chatLeave', 'chatMember'].some((n) =>
      ops.has(n as OpName),
    ),
  };
}

const DESCRIPTIONS: Record<OpName, string> = {
  send: 'send messages',
  edit: 'edit messages',
  react: 'react to messages',
  delete: 'delete messages',
  read: 'mark messages read',
  sendAttachment: 'send attachments',
  mailKeyword: 'flag mail',
  mailMove: 'move mail',
  mailDelete: 'delete mail',
  mailSend: 'send mail',
  mailSaveDraft: 'save mail drafts',
  chatCreate: 'create chats',
  chatJoin: 'join chats',
  chatLeave: 'leave chats',
  chatMember: 'manage chat members',
  chatSettings: 'keep chat settings on the server',
  chatClear: 'clear chats',
};

/** "edit messages", for "<protocol> accounts cannot …". */
export function describeOperation(op: string): string {
  return DESCRIPTIONS[op as OpName] ?? `perform ${op}`;
}
