#!/usr/bin/env node
// npm run demo — Parley with real servers and realistic data, in the browser.
//
// Starts what this machine can run of the project's reference servers
// (Synapse from .cache/synapse-venv; Cyrus JMAP when Debian's cyrus-imapd is
// installed; the JMAP Chat, REST chat and unichat reference servers always), seeds
// conversations (text from the project's git-history corpus
// when present) and a mailbox, creates a demo profile with those accounts in
// two workspaces through the daemon API (accounts.add; secrets kept in memory
// for this run), and serves web mode, printing the URL. Ctrl+C stops
// everything it started.
//
//   npm run demo [-- --port 8080] [-- --keep]     (--keep leaves the profile in .cache/demo)
import { register } from 'tsx/esm/api';
import { existsSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

register();
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values: args } = parseArgs({
  options: { port: { type: 'string', default: '0' }, keep: { type: 'boolean', default: false } },
});
const log = (line) => console.log(`demo: ${line}`);
const stops = [];
let stopping = false;
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  for (const stop of stops.reverse())
    await stop().catch((err) => log(`stop failed: ${err.message}`));
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Realistic lines: commit messages from the shared corpus, or a few built-in ones. */
function corpus() {
  const file =
    process.env.PARLEY_CORPUS ??
    join(ROOT, '..', 'shared', 'data', 'git-history-messages.jsonl.gz');
  if (!existsSync(file))
    return [
      'Morning! Did the release build finish?',
      'Yes, tagged and uploaded. Notes are in the wiki.',
      'Great, I will announce it after lunch.',
    ];
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').slice(0, 4000);
  return lines
    .map((l) => {
      try {
        return JSON.parse(l).text.split('\n\n')[0].replace(/\s+/g, ' ').trim();
      } catch {
        return '';
      }
    })
    .filter((t) => t.length > 12 && t.length < 200 && !t.startsWith('Merge'));
}

async function main() {
  const { Synapse, SYNAPSE_PYTHON } = await import('../test/servers/synapse/harness.ts');
  const { cyrusInstalled, startCyrus } = await import('../test/servers/cyrus/cyrusServer.ts');
  const { DaemonHost } = await import('../main/daemon/host/daemonHost.ts');
  const { startWebHost } = await import('../main/web/webHost.ts');
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;

  const home = join(ROOT, '.cache', 'demo');
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const lines = corpus();
  let cursor = 0;
  const next = () => lines[cursor++ % lines.length];
  const accounts = [];

  // ---- Matrix (Synapse) ----
  if (existsSync(SYNAPSE_PYTHON) || process.env.SYNAPSE_URL) {
    log('starting Synapse…');
    const synapse = await Synapse.start({ dataDir: join(home, 'synapse') });
    stops.push(() => synapse.stop());
    const me = await synapse.register('demo', 'demo-password');
    const ann = await synapse.register('ann');
    const bob = await synapse.register('bob');
    let txn = 0;
    const room = async (name, topic, members) => {
      const { room_id } = await synapse.api(
        me.accessToken,
        'POST',
        '/_matrix/client/v3/createRoom',
        {
          name,
          topic,
          preset: 'private_chat',
          invite: members.map((m) => m.userId),
        },
      );
      for (const m of members)
        await synapse.api(
          m.accessToken,
          'POST',
          `/_matrix/client/v3/join/${encodeURIComponent(room_id)}`,
          {},
        );
      return room_id;
    };
    const say = (user, roomId, body) =>
      synapse.api(
        user.accessToken,
        'PUT',
        `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/demo${++txn}`,
        { msgtype: 'm.text', body },
      );
    const release = await room('Release train', 'What ships this week', [ann, bob]);
    const review = await room('Code review', 'Patches waiting for eyes', [ann]);
    const lunch = await room('Lunch', 'Where and when', [bob]);
    const people = [ann, bob, me];
    for (let i = 0; i < 60; i++) await say(people[i % 3], release, next());
    for (let i = 0; i < 25; i++) await say(i % 2 ? ann : me, review, next());
    await say(bob, lunch, 'Tacos at 12:30?');
    await say(me, lunch, 'Sounds good, see you there.');
    accounts.push({
      protocol: 'matrix',
      server: synapse.url,
      username: 'demo',
      password: 'demo-password',
      label: 'Matrix (demo)',
      workspace: 'Work',
    });
    // Keep the rooms alive: Bob writes now and then, so notifications and live updates show.
    const timer = setInterval(() => void say(bob, release, next()).catch(() => undefined), 45_000);
    stops.push(async () => clearInterval(timer));
    log(`Synapse on ${synapse.url} (users demo/demo-password, ann, bob)`);
  } else
    log(`no Synapse at ${SYNAPSE_PYTHON}: skipping Matrix (run bash scripts/setup-test-env.sh)`);

  // ---- Mail (Cyrus JMAP) ----
  if (cyrusInstalled()) {
    log('starting Cyrus…');
    try {
      const cyrus = await withTimeout(startCyrus(), 60_000, 'Cyrus start');
      stops.push(() => cyrus.stop());
      log('Cyrus is up; creating the mailbox…');
      await withTimeout(
        cyrus.createUser('demo', 'demo-password'),
        30_000,
        'creating the Cyrus user',
      );
      const mail = (subject, from, body, html = false) =>
        [
          `From: ${from}`,
          'To: Demo <demo@localhost>',
          `Subject: ${subject}`,
          `Date: ${new Date().toUTCString()}`,
          `Message-ID: <${Math.random().toString(36).slice(2)}@demo.localhost>`,
          'MIME-Version: 1.0',
          `Content-Type: text/${html ? 'html' : 'plain'}; charset=utf-8`,
        ].join('\r\n') + `\r\n\r\n${body}\r\n`;
      log('delivering mail…');
      await cyrus.deliver(
        'demo',
        mail(
          'Welcome to the demo mailbox',
          'Parley <hello@parley.example>',
          'This mailbox lives on a real Cyrus server started by npm run demo.',
        ),
      );
      await cyrus.deliver(
        'demo',
        mail(
          'Weekly digest',
          'Digest <digest@news.example>',
          `<h2>This week</h2><p>${next()}</p><p>${next()}</p><p><img src="https://picsum.photos/320/120" alt="banner"></p><script>alert('never runs')</script>`,
          true,
        ),
      );
      for (let i = 0; i < 5; i++)
        await cyrus.deliver(
          'demo',
          mail(
            `Patch ${i + 1}: ${next().slice(0, 60)}`,
            'Ann <ann@example.org>',
            `${next()}\n\n${next()}`,
          ),
        );
      accounts.push({
        protocol: 'jmap-mail',
        server: cyrus.url,
        username: 'demo',
        password: 'demo-password',
        label: 'Mail (demo)',
        workspace: 'Personal',
      });
      log(`Cyrus JMAP on ${cyrus.url} (user demo/demo-password)`);
    } catch (err) {
      log(`Cyrus did not start (${err.message}): skipping mail`);
    }
  } else log('no Cyrus (cyrus-imapd) installed: skipping mail');

  // ---- Chat (the JMAP Chat reference server, always available) ----
  {
    const { startJmapChatServer } = await import('../test/servers/jmap-chat/server.ts');
    const jmapChat = await startJmapChatServer({
      users: [
        { login: 'demo', password: 'demo-password', displayName: 'Demo' },
        { login: 'ann', password: 'ann-pw', displayName: 'Ann' },
        { login: 'bo', password: 'bo-pw', displayName: 'Bo' },
      ],
    });
    stops.push(() => jmapChat.close());
    const jmap = async (login, name, args) => {
      const res = await fetch(`${jmapChat.url}/jmap/api/`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${jmapChat.user(login).token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
          methodCalls: [[name, { accountId: login, ...args }, '0']],
        }),
      });
      return (await res.json()).methodResponses[0][1];
    };
    const direct = async (from, to) => {
      const r = await jmap(from, 'Chat/set', { create: { c: { kind: 'direct', contactId: to } } });
      return r.created?.c?.id ?? Object.keys(r.updated ?? {})[0];
    };
    const post = (login, chatId, body) =>
      jmap(login, 'Message/set', {
        create: { m: { chatId, body, bodyType: 'text/plain', sentAt: new Date().toISOString() } },
      });
    const withAnn = await direct('ann', 'demo');
    const withBo = await direct('bo', 'demo');
    for (let i = 0; i < 12; i++) await post(i % 3 ? 'ann' : 'demo', withAnn, next());
    await post('bo', withBo, 'Are you coming to the release party on Friday?');
    accounts.push({
      protocol: 'jmap-chat',
      server: jmapChat.url,
      username: 'demo',
      password: 'demo-password',
      label: 'JMAP Chat (demo)',
      workspace: 'Personal',
    });
    log(`JMAP Chat reference server on ${jmapChat.url} (users demo/demo-password, ann, bo)`);
  }

  // ---- unichat (the unichat reference server, always available) ----
  {
    const { startUnichatServer, TEST_APP_DOMAIN_TOKEN } =
      await import('../test/servers/unichat/server.ts');
    const unichat = await startUnichatServer({
      users: [
        { email: 'demo@example.test', password: 'demo-password', nick: 'demo' },
        { email: 'ann@example.test', password: 'ann-password', nick: 'ann' },
        { email: 'bo@example.test', password: 'bo-password', nick: 'bo' },
      ],
    });
    stops.push(() => unichat.close());
    const rpc = async (email, method, rpcArgs) => {
      const res = await fetch(`${unichat.url}/api/${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          APP_DOMAIN_TOKEN: TEST_APP_DOMAIN_TOKEN,
          USER_AUTH_TOKEN: unichat.newSession(email),
        },
        body: JSON.stringify({ args: rpcArgs }),
      });
      return res.json();
    };
    const id = (email) => unichat.user(email).id;
    // Ann's room with the demo user and Bo: creation and invites show as system messages.
    const { subscription } = await rpc('ann@example.test', 'create_room', {
      name: 'Garden club',
      user_ids: [id('demo@example.test'), id('bo@example.test')],
    });
    const groupId = subscription.group_id;
    let n = 0;
    for (let i = 0; i < 10; i++)
      await rpc(i % 2 ? 'bo@example.test' : 'ann@example.test', 'post', {
        group_id: groupId,
        uid: `demo-${++n}`,
        text: next(),
      });
    await rpc('bo@example.test', 'post', {
      group_id: groupId,
      uid: `demo-${++n}`,
      text: '@demo are you bringing the seedlings?',
      mentions: [{ user_id: id('demo@example.test'), text: '@demo' }],
    });
    await rpc('bo@example.test', 'get_private_subscription', { user_id: id('demo@example.test') });
    accounts.push({
      protocol: 'unichat',
      server: unichat.url,
      username: 'demo@example.test',
      password: 'demo-password',
      label: 'unichat (demo)',
      workspace: 'Personal',
    });
    log(
      `unichat reference server on ${unichat.url} (users demo@example.test/demo-password, ann, bo)`,
    );
  }

  // ---- REST chat (its reference server, always available) ----
  {
    const { startRestChatServer } = await import('../test/servers/rest-chat/server.ts');
    const restChat = await startRestChatServer({
      users: [
        { username: 'demo', password: 'demo-password', name: 'Demo' },
        { username: 'carla', password: 'carla-password', name: 'Carla' },
        { username: 'dmitri', password: 'dmitri-password', name: 'Dmitri' },
      ],
    });
    stops.push(() => restChat.close());
    // The others write with a session of their own, as another client would.
    const tokens = new Map(
      ['carla', 'dmitri'].map((u) => [u, restChat.newSession(u, 'demo seed').accessToken]),
    );
    const rest = async (username, method, path, body) => {
      const res = await fetch(`${restChat.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens.get(username)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const demoId = restChat.user('demo').id;
    const say = (username, chatId, text) =>
      rest(username, 'POST', `/chats/${chatId}/messages`, { localId: randomUUID(), text });
    const withCarla = await rest('carla', 'POST', '/chats', {
      participants: [demoId],
      isPersonal: true,
    });
    const trip = await rest('dmitri', 'POST', '/chats', {
      participants: [demoId, restChat.user('carla').id],
      isPersonal: false,
      title: 'Trip to the coast',
    });
    await say('carla', withCarla.id, 'Did you get the tickets for Sunday?');
    await say('carla', withCarla.id, 'The train leaves at 9:40.');
    await say('dmitri', trip.id, 'Who brings the tent?');
    await say('carla', trip.id, 'I can bring mine, it sleeps three.');
    await say('dmitri', trip.id, 'Perfect. Snacks are on me.');
    accounts.push({
      protocol: 'rest-chat',
      server: restChat.url,
      username: 'demo',
      password: 'demo-password',
      label: 'REST chat (demo)',
      workspace: 'Personal',
    });
    log(`REST chat reference server on ${restChat.url} (users demo/demo-password, carla, dmitri)`);
  }

  // ---- Parley ----
  log('building the renderer…');
  const rendererDir = join(home, 'renderer');
  await build({
    configFile: false,
    root: join(ROOT, 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir: rendererDir, emptyOutDir: true },
  });
  const profileDir = join(home, 'profile');
  const secrets = new Map();
  const daemon = new DaemonHost({
    profileDir,
    // This run only: the demo's passwords never go to the keychain or to disk.
    secrets: {
      get: async (k) => secrets.get(k) ?? null,
      set: async (k, v) => void secrets.set(k, v),
      delete: async (k) => secrets.delete(k),
    },
  });
  stops.push(() => daemon.close());
  await daemon.ready;
  for (const a of accounts) {
    const r = await daemon.callRaw('accounts.add', a);
    log(
      r.ok ? `added ${a.label} (${a.workspace})` : `could not add ${a.label}: ${r.error.message}`,
    );
  }
  daemon.startSync();
  const web = await startWebHost({
    client: daemon,
    port: Number(args.port),
    rendererDir,
    blobDir: join(profileDir, 'blobs'),
  });
  stops.push(() => web.close());
  if (!args.keep) stops.unshift(async () => rmSync(home, { recursive: true, force: true }));
  console.log(`\nParley demo is running. Open:\n\n  ${web.url}\n\nCtrl+C stops everything.\n`);
}

main().catch((err) => {
  console.error(err);
  void stopAll(1);
});
