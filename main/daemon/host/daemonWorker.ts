// The daemon worker's entry (DaemonHost starts it; esbuild bundles it): the
// daemon's thread with the connectors this build ships.
import { runDaemonWorker } from './workerMain.js';

runDaemonWorker();
