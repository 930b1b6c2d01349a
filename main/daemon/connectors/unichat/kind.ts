// What every unichat connector can do (no permalinks: the protocol has no shareable message links), known
// without loading the connector: the registry loads a connector's code only
// when an account of its protocol first needs one (connectors/registry.ts).
import type { ConnectorKind } from '../connector.js';
import type { OpName } from '../../model/ops.js';
import { capabilitiesOf } from '../operations.js';
import { UNICHAT_CAPABILITIES } from './capabilities.js';

/** The operations unichatOperations() (actions.ts; the upload option changes how, not which, operations run) handles; connectorKinds.test.ts keeps the two equal. */
export const UNICHAT_OPERATIONS: ReadonlySet<OpName> = new Set<OpName>([
  'send',
  'sendAttachment',
  'edit',
  'delete',
  'read',
  'chatCreate',
  'chatJoin',
  'chatLeave',
  'chatMember',
]);

export const UNICHAT_KIND: ConnectorKind = {
  capabilities: capabilitiesOf(UNICHAT_CAPABILITIES, UNICHAT_OPERATIONS),
  operations: UNICHAT_OPERATIONS,
};
