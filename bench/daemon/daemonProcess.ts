// The app's process for the daemon benchmark: a DaemonHost (its daemon in a
// worker thread, as the desktop app and web mode run it) on a profile, with
// secrets in memory. Every event is serialized to JSON as web mode's socket
// hub does for each frame. As in the app, a window shows one chat's timeline:
// the first chat the sync announces is watched (timeline.watch), so its
// message deltas come and every other chat's changes arrive as chat rows.
// The harness drives it over the fork IPC channel.
//
//   daemonProcess <profileDir> <workerFile> sync   accounts, sync, measure
//   daemonProcess <profileDir> <workerFile> cold   first chat list, then exit
import { DaemonHost } from '../../main/daemon/host/daemonHost.js';
import { allChats } from '../../main/daemon/api/allChats.js';
import { memoryStatus, type FromDaemonProcess, type ToDaemonProcess } from './processProtocol.js';

const send = (m: FromDaemonProcess) => process.send!(m);

async function main(): Promise<void> {
  const [profileDir, workerFile, mode] = process.argv.slice(2);
  const secrets = new Map<string, string>();
  const host = new DaemonHost({
    profileDir: profileDir!,
    workerFile: workerFile!,
    log: (line) => process.stderr.write(`daemon: ${line}\n`),
    secrets: {
      get: (key) => Promise.resolve(secrets.get(key) ?? null),
      set: (key, value) => Promise.resolve(void secrets.set(key, value)),
      delete: (key) => Promise.resolve(secrets.delete(key)),
    },
  });
  let events = 0;
  let eventBytes = 0;
  let messageEvents = 0;
  let messageEventBytes = 0;
  let watching = false;
  host.subscribe((event) => {
    const bytes = JSON.stringify(event).length;
    events++;
    eventBytes += bytes;
    if (event.name === 'messages.upserted' || event.name === 'messages.removed') {
      messageEvents++;
      messageEventBytes += bytes;
    }
    if (event.name === 'chats.updated' && !watching && event.payload.chats.length > 0) {
      watching = true;
      void host.call('timeline.watch', {
        watcher: 'bench-window',
        chatIds: [event.payload.chats[0]!.id],
      });
    }
  });
  await host.ready;
  const readyMs = performance.now();
  if (mode === 'cold') {
    // performance.now() counts from this process's start.
    const chats = await allChats((input) => host.call('chats.list', input));
    const cpu = process.cpuUsage();
    send({
      type: 'first-list',
      rows: chats.length,
      ms: performance.now(),
      readyMs,
      // Every thread's CPU time: what the start costs on a machine not shared with others.
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
    await host.close();
    process.exit(0);
  }
  send({ type: 'ready', ms: readyMs });
  process.on('message', (m: ToDaemonProcess) => {
    void handle(m).catch((err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    });
  });

  async function handle(m: ToDaemonProcess): Promise<void> {
    switch (m.cmd) {
      case 'add':
        for (const a of m.accounts)
          await host.call('accounts.add', {
            protocol: a.protocol,
            server: a.server,
            username: a.username,
            password: 'bench',
            label: a.label,
            workspace: a.workspace,
          });
        send({ type: 'added' });
        return;
      case 'settle': {
        // Until the substring index has caught up, as a user searching would
        // see it: each search also indexes a slice of the backlog.
        const t0 = performance.now();
        for (;;) {
          const page = await host.call('search.query', { query: '*odul', limit: 1 });
          if (page.unindexed === 0) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        send({ type: 'settled', ms: performance.now() - t0 });
        return;
      }
      case 'measure': {
        const chatListMs: number[] = [];
        let rows = 0;
        for (let i = 0; i < m.samples; i++) {
          const t0 = performance.now();
          rows = (await allChats((input) => host.call('chats.list', input))).length;
          chatListMs.push(performance.now() - t0);
        }
        send({
          type: 'measured',
          chatListMs,
          rows,
          events,
          eventBytes,
          messageEvents,
          messageEventBytes,
          status: memoryStatus(),
        });
        return;
      }
      case 'close':
        await host.close();
        send({ type: 'closed', status: memoryStatus() });
        process.exit(0);
    }
  }
}

void main();
