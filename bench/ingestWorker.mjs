// Worker entry: Node 20 does not pass tsx's loader to worker threads through
// execArgv (`--import tsx` fails with ERR_UNKNOWN_FILE_EXTENSION), so the
// worker registers it itself before loading the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./ingestWorker.ts');
