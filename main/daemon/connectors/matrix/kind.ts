// What every Matrix connector can do, known without loading the connector:
// the registry loads a connector's code only when an account of its protocol
// first needs one (connectors/registry.ts).
import type { ConnectorCapabilities, ConnectorKind } from '../connector.js';
import type { OpName } from '../../model/ops.js';
import { capabilitiesOf } from '../operations.js';
import { MATRIX_CAPABILITIES } from './capabilities.js';
import { loadNativeCrypto } from './crypto/native.js';
import { matrixPermalink } from './permalink.js';

/** The operations matrixOperations (actions.ts) handles; connectorKinds.test.ts keeps the two equal. */
export const MATRIX_OPERATIONS: ReadonlySet<OpName> = new Set<OpName>([
  'send',
  'edit',
  'react',
  'delete',
  'read',
  'sendAttachment',
  'chatCreate',
  'chatJoin',
  'chatLeave',
  'chatMember',
]);

/** What a Matrix connector made with this crypto directory and operations can do. */
export function matrixCapabilities(
  cryptoDir: string | null,
  operations: ReadonlySet<OpName>,
): ConnectorCapabilities {
  return {
    ...capabilitiesOf(MATRIX_CAPABILITIES, operations),
    // Encrypted rooms take text writes when this build can open crypto stores.
    encryption: cryptoDir !== null && !(loadNativeCrypto() instanceof Error),
    linkPreviews: true,
  };
}

/**
 * The Matrix kind for the registry. Its capabilities are worked out on first
 * use: that loads the native crypto module, which a daemon that never asks
 * (a CLI command) should not pay for.
 */
export function matrixKind(cryptoDir: string | null): ConnectorKind {
  let capabilities: ConnectorCapabilities | null = null;
  return {
    get capabilities() {
      return (capabilities ??= matrixCapabilities(cryptoDir, MATRIX_OPERATIONS));
    },
    operations: MATRIX_OPERATIONS,
    permalink: matrixPermalink,
  };
}
