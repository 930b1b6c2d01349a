// What every JMAP Chat connector can do (no permalinks: the protocol has no shareable message links), known
// without loading the connector: the registry loads a connector's code only
// when an account of its protocol first needs one (connectors/registry.ts).
import type { ConnectorKind } from '../connector.js';
import type { OpName } from '../../model/ops.js';
import { capabilitiesOf } from '../operations.js';
import { JMAP_CHAT_CAPABILITIES } from './capabilities.js';

/** The operations jmapChatOperations (actions.ts) handles; connectorKinds.test.ts keeps the two equal. */
export const JMAP_CHAT_OPERATIONS: ReadonlySet<OpName> = new Set<OpName>([
  'send',
  'sendAttachment',
  'chatCreate',
  'chatLeave',
  'chatMember',
  'edit',
  'react',
  'delete',
  'read',
]);

export const JMAP_CHAT_KIND: ConnectorKind = {
  capabilities: capabilitiesOf(JMAP_CHAT_CAPABILITIES, JMAP_CHAT_OPERATIONS),
  operations: JMAP_CHAT_OPERATIONS,
};
