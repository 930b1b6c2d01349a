// What every JMAP Mail connector can do (no permalinks: mail has no shareable message links), known
// without loading the connector: the registry loads a connector's code only
// when an account of its protocol first needs one (connectors/registry.ts).
import type { ConnectorKind } from '../connector.js';
import type { OpName } from '../../model/ops.js';
import { capabilitiesOf } from '../operations.js';
import { JMAP_MAIL_CAPABILITIES } from './capabilities.js';

/** The operations jmapMailOperations (actions.ts) handles; connectorKinds.test.ts keeps the two equal. */
export const JMAP_MAIL_OPERATIONS: ReadonlySet<OpName> = new Set<OpName>([
  'read',
  'mailKeyword',
  'mailMove',
  'delete',
  'mailDelete',
  'send',
  'mailSend',
  'mailSaveDraft',
]);

export const JMAP_MAIL_KIND: ConnectorKind = {
  capabilities: capabilitiesOf(JMAP_MAIL_CAPABILITIES, JMAP_MAIL_OPERATIONS),
  operations: JMAP_MAIL_OPERATIONS,
};
