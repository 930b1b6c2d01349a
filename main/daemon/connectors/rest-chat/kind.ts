// What every REST chat connector can do (no permalinks: the protocol has no shareable message links), known
// without loading the connector: the registry loads a connector's code only
// when an account of its protocol first needs one (connectors/registry.ts).
import type { ConnectorKind } from '../connector.js';
import type { OpName } from '../../model/ops.js';
import { capabilitiesOf } from '../operations.js';
import { REST_CHAT_CAPABILITIES } from './capabilities.js';

/** The operations restChatOperations (actions.ts) handles; connectorKinds.test.ts keeps the two equal. */
export const REST_CHAT_OPERATIONS: ReadonlySet<OpName> = new Set<OpName>([
  'send',
  'sendAttachment',
  'edit',
  'delete',
  'read',
  'chatCreate',
  'chatLeave',
  'chatMember',
  'chatSettings',
  'chatClear',
]);

export const REST_CHAT_KIND: ConnectorKind = {
  capabilities: capabilitiesOf(REST_CHAT_CAPABILITIES, REST_CHAT_OPERATIONS),
  operations: REST_CHAT_OPERATIONS,
};
