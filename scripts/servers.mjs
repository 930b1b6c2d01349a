#!/usr/bin/env node
// `npm run servers`: starts the reference servers on loopback for a developer
// and prints their URLs and demo credentials. Ctrl-C stops them.
//
//   npm run servers [-- --port 8765]      (REST chat takes the next port, unichat the one after)
//
// Runs through tsx (the servers are TypeScript under test/servers/).
import { startJmapChatServer } from '../test/servers/jmap-chat/server.ts';
import { startRestChatServer } from '../test/servers/rest-chat/server.ts';
import { startUnichatServer, TEST_APP_DOMAIN_TOKEN } from '../test/servers/unichat/server.ts';

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
// REST chat usernames must be 5-25 letters/digits starting with a letter, passwords 8-25 characters.
const restUsers = [
  { username: 'annie', password: 'annie-password', name: 'Ann Example' },
  { username: 'bobby', password: 'bobby-password', name: 'Bo Example' },
  { username: 'cyril', password: 'cyril-password', name: 'Cy Example' },
];
const restChat = await startRestChatServer({
  port: port + 1,
  users: restUsers,
  log: (line) => console.error(`[rest-chat] ${line}`),
});

console.log(`REST chat reference server: ${restChat.url}`);
console.log(`  websocket: ${restChat.url.replace('http', 'ws')}/<any path> with the bearer token`);
console.log('  sign in with HTTP Basic (POST /users/login) as one of:');
for (const u of restUsers) {
  const session = restChat.newSession(u.username, 'npm run servers');
  console.log(
    `    ${u.username} / ${u.password}   (id ${restChat.user(u.username).id}, bearer token ${session.accessToken})`,
  );
}
const unichatUsers = [
  { email: 'ann@example.test', password: 'ann-password', nick: 'ann' },
  { email: 'bo@example.test', password: 'bo-password', nick: 'bo' },
  { email: 'cy@example.test', password: 'cy-password', nick: 'cy' },
];
const unichat = await startUnichatServer({
  port: port + 2,
  users: unichatUsers,
  log: (line) => console.error(`[unichat] ${line}`),
});

console.log(`unichat reference server: ${unichat.url}`);
console.log(
  `  RPC: POST ${unichat.url}/api/<method> with APP_DOMAIN_TOKEN: ${TEST_APP_DOMAIN_TOKEN}`,
);
console.log('  sign in with login({email, password}) as one of:');
for (const u of unichatUsers) {
  const token = unichat.newSession(u.email);
  console.log(`    ${u.email} / ${u.password}   (auth_token ${token})`);
}
console.log('Ctrl-C to stop.');

const stop = async () => {
  await jmapChat.close();
  await restChat.close();
  await unichat.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
