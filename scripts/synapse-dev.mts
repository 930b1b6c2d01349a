// The body of `npm run synapse:start` (TypeScript, so it shares the test harness).
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Synapse, STATE_FILE } from '../test/servers/synapse/harness.js';

const dataDir = join(dirname(STATE_FILE), 'data');
mkdirSync(dataDir, { recursive: true });
const port = Number(process.env.SYNAPSE_PORT) || 8448;
const synapse = await Synapse.start({ dataDir, port });
writeFileSync(
  STATE_FILE,
  JSON.stringify({ url: synapse.url, sharedSecret: synapse.sharedSecret, pid: synapse.pid }),
);
process.stdout.write(`${synapse.url}\n`);
process.stderr.write(`synapse running (pid ${synapse.pid}, data in ${dataDir}); Ctrl+C stops it\n`);
const stop = async () => {
  await synapse.stop();
  rmSync(STATE_FILE, { force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
