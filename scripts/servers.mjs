#!/usr/bin/env node
// `npm run servers`: starts the reference servers on loopback for a developer
// and prints their URLs and demo credentials. Ctrl-C stops them.
//
//   npm run servers [-- --port 8765]
//
// Runs through tsx (the servers are TypeScript under test/servers/).
import { startJmapChatServer } from '../test/servers/jmap-chat/server.ts';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8765;
const users = [
  { login: 'ann', password: 'ann-pw', displayName: 'Ann Example' },
  { login: 'bo', password: 'bo-pw', displayName: 'Bo Example' },
  { login: 'cy', password: 'cy-pw', displayName: 'Cy Example' },
];

const jmapChat = await startJmapChatServer({
  port,
  users,
  log: (line) => console.error(`[jmap-chat] ${line}`),
});

console.log(`JMAP Chat reference server: ${jmapChat.url}`);
console.log(`  session:  ${jmapChat.url}/.well-known/jmap`);
console.log('  sign in in Parley with protocol jmap-chat, server above, and one of:');
for (const u of users) {
  const token = jmapChat.user(u.login).token;
  console.log(`    ${u.login} / ${u.password}   (bearer token ${token})`);
}
console.log('Ctrl-C to stop.');

const stop = async () => {
  await jmapChat.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
