// A Parley daemon on a temp profile, signed in to the test Synapse: what one
// user of a test sees. Secrets stay in memory (no keychain in tests).
import { join } from 'node:path';
import { Daemon } from '../../../main/daemon/daemon.js';
import { ConnectorRegistry } from '../../../main/daemon/connectors/registry.js';
import {
  MatrixConnector,
  type MatrixConnectorOptions,
} from '../../../main/daemon/connectors/matrix/connector.js';
import type { SecretBroker } from '../../../main/daemon/secrets/secretBroker.js';
import type { ChatSummary, MessageView } from '../../../main/daemon/model/types.js';
import type {
  ProcedureInput,
  ProcedureName,
  ProcedureOutput,
} from '../../../main/daemon/api/contract.js';
import { memorySecrets, tempDir } from '../../helpers/fixtures.js';
import type { RegisteredUser, Synapse } from './harness.js';

export { memorySecrets };

export interface ParleyUserOptions extends MatrixConnectorOptions {
  profileDir?: string;
  secrets?: SecretBroker & { map: Map<string, string> };
  logs?: string[];
}

export class ParleyUser {
  accountId = 0;
  private constructor(
    readonly daemon: Daemon,
    readonly profileDir: string,
    readonly secrets: SecretBroker & { map: Map<string, string> },
    private readonly cleanup: (() => void) | null,
    readonly logs: string[],
  ) {}

  /** Opens a profile (new or existing) with a Matrix connector tuned for tests. */
  static open(options: ParleyUserOptions = {}): ParleyUser {
    const temp = options.profileDir ? null : tempDir('parley-matrix-');
    const profileDir = options.profileDir ?? temp!.dir;
    const secrets = options.secrets ?? memorySecrets();
    const logs = options.logs ?? [];
    const connectors = new ConnectorRegistry().register(
      'matrix',
      // End-to-end encryption as the app has it (a crypto store in the profile), unless a test turns it off.
      () =>
        new MatrixConnector({
          longPollMs: 3000,
          timelineLimit: 10,
          cryptoDir: join(profileDir, 'matrix-crypto'),
          ...options,
        }),
    );
    const daemon = new Daemon({
      profileDir,
      secrets,
      connectors,
      log: (line) => logs.push(line),
      engine: {
        loop: { backoff: { baseMs: 100, maxMs: 1000 } },
        outbox: { backoff: { baseMs: 100, maxMs: 1000 } },
      },
    });
    return new ParleyUser(daemon, profileDir, secrets, temp ? temp.cleanup : null, logs);
  }

  static async signIn(
    synapse: Synapse,
    user: RegisteredUser,
    options: ParleyUserOptions = {},
  ): Promise<ParleyUser> {
    const p = ParleyUser.open(options);
    const account = await p.call('accounts.add', {
      protocol: 'matrix',
      server: synapse.url,
      username: user.localpart,
      password: user.password,
    });
    p.accountId = account.id;
    return p;
  }

  async call<P extends ProcedureName>(
    name: P,
    input: ProcedureInput<P>,
  ): Promise<ProcedureOutput<P>> {
    const r = await this.daemon.call(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as ProcedureOutput<P>;
  }

  chats(): ChatSummary[] {
    return this.daemon.store.read.chats({ accountId: this.accountId || undefined });
  }

  chat(roomId: string): ChatSummary | undefined {
    return this.chats().find((c) => c.remoteId === roomId);
  }

  /** Messages of a room, oldest first. */
  messages(roomId: string, limit = 500): MessageView[] {
    const chat = this.chat(roomId);
    if (!chat) return [];
    return this.daemon.store.read
      .messages(chat.id, { limit })
      .slice()
      .sort((a, b) => a.id - b.id);
  }

  bodies(roomId: string, kind?: string): string[] {
    return this.messages(roomId)
      .filter((m) => (kind ? m.kind === kind : m.kind !== 'system'))
      .map((m) => m.body);
  }

  account() {
    return this.daemon.store.accounts.get(this.accountId)!;
  }

  async close(removeProfile = true): Promise<void> {
    await this.daemon.close();
    if (removeProfile) this.cleanup?.();
  }
}
