// The daemon worker of the daemon benchmark: the app's worker thread
// (runDaemonWorker) with every protocol served by the feed connector, which
// fetches batches from the harness process on PARLEY_BENCH_FEED_PORT.
import { ConnectorRegistry } from '../../main/daemon/connectors/registry.js';
import { runDaemonWorker } from '../../main/daemon/host/workerMain.js';
import { FeedConnector } from './feedConnector.js';

const port = Number(process.env.PARLEY_BENCH_FEED_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PARLEY_BENCH_FEED_PORT is not set');
const registry = new ConnectorRegistry();
for (const protocol of ['matrix', 'jmap-mail', 'jmap-chat', 'rest-chat'] as const)
  registry.register(protocol, () => new FeedConnector(protocol, port));
runDaemonWorker(registry);
