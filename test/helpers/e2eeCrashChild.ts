// Child process for the end-to-end encryption crash test: a Parley daemon on
// an existing profile (secrets handed over in PARLEY_TEST_SECRETS) that syncs
// an encrypted room and queues one encrypted send, until it is SIGKILLed.
import { memorySecrets, ParleyUser } from '../servers/synapse/parley.js';
import { waitFor } from './fixtures.js';

const [profileDir, accountId, roomId, run] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const secrets = memorySecrets();
for (const [k, v] of Object.entries(
  JSON.parse(process.env.PARLEY_TEST_SECRETS ?? '{}') as Record<string, string>,
))
  secrets.map.set(k, v);
const p = ParleyUser.open({ profileDir, secrets });
p.accountId = Number(accountId);
await p.daemon.engine.start(p.accountId);
const chat = await waitFor('the room is there', () => p.chat(roomId), 60_000);
await p.call('messages.send', { chatId: chat.id, body: `parley run ${run}` });
process.stdout.write('queued\n');
process.on('SIGTERM', () => {
  void p.close(false).then(() => process.exit(0));
});
