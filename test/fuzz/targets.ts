// The connectors the fuzz harness feeds, one entry each. Adding a connector
// is one entry here plus a scenario in recordTranscripts.ts that makes a small
// conversation on its server; the harness itself knows no protocol. The options keep pages small, so a short conversation already
// takes several requests (more answers to mutate, backfill included).
import { join } from 'node:path';
import type { Connector } from '../../main/daemon/connectors/connector.js';
import type { Protocol } from '../../main/daemon/model/types.js';
import { MatrixConnector } from '../../main/daemon/connectors/matrix/connector.js';
import { JmapMailConnector } from '../../main/daemon/connectors/jmap-mail/connector.js';
import { JmapChatConnector } from '../../main/daemon/connectors/jmap-chat/connector.js';
import { RestChatConnector } from '../../main/daemon/connectors/rest-chat/connector.js';
import { UnichatConnector } from '../../main/daemon/connectors/unichat/connector.js';

export interface FuzzTarget {
  protocol: Protocol;
  /** A fresh connector (no cached session), configured the same when recording and fuzzing. */
  create(): Connector;
}

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  { protocol: 'matrix', create: () => new MatrixConnector({ timelineLimit: 3 }) },
  {
    protocol: 'jmap-mail',
    create: () =>
      new JmapMailConnector({ defaultMailDomain: 'localhost', windowSize: 2, pageSize: 2 }),
  },
  {
    protocol: 'jmap-chat',
    create: () => new JmapChatConnector({ windowPerChat: 2, pageSize: 2, backfillPageSize: 2 }),
  },
  { protocol: 'rest-chat', create: () => new RestChatConnector({ windowPerChat: 2, pageSize: 2 }) },
  {
    protocol: 'unichat',
    create: () => new UnichatConnector({ windowPerChat: 2, pageSize: 2, subscriptionPage: 2 }),
  },
];

export const transcriptPath = (protocol: string) =>
  join(import.meta.dirname, '..', 'fixtures', protocol, 'transcript.json');
