// bench:live's JMAP Chat side: the reference server (test/servers/jmap-chat,
// in its own process: jmapChatServerProcess.ts) with `me` (Parley), `ann`
// (who writes) and `floor` (the bare client). Ann makes a group chat with each
// and writes with a plain `Message/set` POST.
//
// The floor is what the connector waits on, without a store or a UI: an RFC
// 8887 WebSocket with WebSocketPushEnable for the connector's types (its push
// channel: main/daemon/connectors/jmap/push.ts), and on each StateChange that
// moves Message, one POST with Message/changes and Message/get (a result
// reference) — a message counts as seen once that response is parsed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { TOKEN, epochNow } from './marks.js';
import { TokenWaiters, type LiveServer } from './sides.js';

const USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'];
/** The types the connector asks push for (jmap-chat/connector.ts PUSH_TYPES). */
const PUSH_TYPES = ['ChatContact', 'Chat', 'Message', 'ReadPosition', 'Space'];

type MethodResponse = [string, Record<string, unknown>, string];

/** JMAP as one user, by HTTP Basic, over plain fetch. */
class JmapUser {
  readonly authorization: string;
  constructor(
    private readonly apiUrl: string,
    readonly login: string,
  ) {
    this.authorization = `Basic ${Buffer.from(`${login}:${login}-pw`).toString('base64')}`;
  }

  async call(calls: unknown[]): Promise<MethodResponse[]> {
    const res = await fetch(this.apiUrl, {
      method: 'POST',
      headers: { authorization: this.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ using: USING, methodCalls: calls }),
    });
    if (!res.ok) throw new Error(`JMAP ${this.login}: ${res.status}`);
    const out = (await res.json()) as { methodResponses: MethodResponse[] };
    for (const [name, args] of out.methodResponses)
      if (name === 'error' || (args.notCreated && Object.keys(args.notCreated).length))
        throw new Error(`JMAP ${this.login}: ${name} ${JSON.stringify(args)}`);
    return out.methodResponses;
  }
}

/** The bare push client: a WebSocket, then Message/changes + /get per StateChange that moves Message. */
class BarePush {
  readonly waiters = new TokenWaiters();
  private socket: WebSocket | null = null;
  private state = '';
  /** StateChanges are handled one at a time, as the connector's queue does. */
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly user: JmapUser,
    private readonly wsUrl: string,
  ) {}

  async start(): Promise<void> {
    const [[, got]] = (await this.user.call([
      ['Message/get', { accountId: this.user.login, ids: [] }, 'g'],
    ])) as [MethodResponse];
    this.state = got.state as string;
    const socket = new WebSocket(this.wsUrl, ['jmap'], {
      headers: { authorization: this.user.authorization },
    });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes: PUSH_TYPES }));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as {
        '@type'?: string;
        changed?: Record<string, Record<string, string>>;
      };
      if (frame['@type'] !== 'StateChange') return;
      const moved = frame.changed?.[this.user.login]?.Message;
      if (!moved || moved === this.state) return;
      this.busy = this.busy
        .then(() => this.catchUp())
        .catch((err: unknown) => {
          console.error(`floor client: ${(err as Error).message}`);
        });
    });
  }

  private async catchUp(): Promise<void> {
    const responses = await this.user.call([
      ['Message/changes', { accountId: this.user.login, sinceState: this.state }, 'c'],
      [
        'Message/get',
        {
          accountId: this.user.login,
          '#ids': { resultOf: 'c', name: 'Message/changes', path: '/created' },
        },
        'g',
      ],
    ]);
    const at = epochNow();
    const changes = responses.find((r) => r[0] === 'Message/changes')![1];
    this.state = changes.newState as string;
    const list = (responses.find((r) => r[0] === 'Message/get')![1].list ?? []) as {
      body?: unknown;
    }[];
    for (const m of list)
      if (typeof m.body === 'string')
        for (const t of m.body.match(TOKEN) ?? []) this.waiters.found(t, at);
  }

  close(): void {
    this.socket?.terminate();
  }
}

function spawnServer(): Promise<{ child: ChildProcess; url: string }> {
  const file = fileURLToPath(new URL('./jmapChatServerProcess.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`JMAP Chat server exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
  });
}

export async function startJmapChatSide(): Promise<LiveServer> {
  const { child, url } = await spawnServer();
  const stopServer = async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  try {
    const session = (await (
      await fetch(`${url}/jmap/session`, {
        headers: { authorization: new JmapUser('', 'floor').authorization },
      })
    ).json()) as { apiUrl: string; capabilities: Record<string, { url?: string }> };
    const wsUrl = session.capabilities['urn:ietf:params:jmap:websocket']?.url;
    if (!wsUrl) throw new Error('the JMAP Chat server offers no WebSocket');
    const ann = new JmapUser(session.apiUrl, 'ann');
    const group = async (name: string, member: string) => {
      const [[, set]] = (await ann.call([
        [
          'Chat/set',
          { accountId: 'ann', create: { c: { kind: 'group', name, memberIds: [member] } } },
          's',
        ],
      ])) as [MethodResponse];
      return (set.created as Record<string, { id: string }>).c!.id;
    };
    const parleyChat = await group('Live room', 'me');
    const floorChat = await group('Floor room', 'floor');
    const bare = new BarePush(new JmapUser(session.apiUrl, 'floor'), wsUrl);
    await bare.start();
    let n = 0;
    const send = async (chatId: string, body: string) => {
      await ann.call([
        [
          'Message/set',
          {
            accountId: 'ann',
            create: {
              [`m${++n}`]: {
                chatId,
                body,
                bodyType: 'text/plain',
                sentAt: new Date().toISOString(),
              },
            },
          },
          's',
        ],
      ]);
    };
    return {
      name: 'jmap-chat',
      parleyAccount: { protocol: 'jmap-chat', server: url, username: 'me', password: 'me-pw' },
      chatName: /Live room/,
      sendToParley: (body) => send(parleyChat, body),
      sendToFloor: (body) => send(floorChat, body),
      floorSees: (token) => bare.waiters.wait(token),
      close: async () => {
        bare.close();
        await stopServer();
      },
    };
  } catch (err) {
    await stopServer();
    throw err;
  }
}
