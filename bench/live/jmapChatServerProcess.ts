// The JMAP Chat reference server in a process of its own, for bench:live: as
// a real server is, it does not share the bench's event loop. Prints its URL
// as one JSON line on stdout; stops when its stdin closes (the bench ended,
// however it ended).
import { startJmapChatServer } from '../../test/servers/jmap-chat/server.js';

const USERS = ['me', 'ann', 'floor'].map((login) => ({
  login,
  password: `${login}-pw`,
  displayName: login[0]!.toUpperCase() + login.slice(1),
}));

async function main(): Promise<void> {
  const server = await startJmapChatServer({
    users: USERS,
    // Ann writes a few hundred messages in a minute; the default flood limit is 60 per 10 s.
    messageRate: { max: 1_000_000, windowMs: 1000 },
  });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
