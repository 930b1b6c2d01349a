// "Another client" for the end-to-end encryption tests: matrix-js-sdk (from
// npm) with its Rust crypto (the wasm build), signed in as a fresh device of a
// registered user and syncing against the test Synapse. Its crypto store is in
// memory (fake-indexeddb is only there because the SDK asks for IndexedDB).
import './releaseLongTimers.js';
import './quietConsole.js';
import 'fake-indexeddb/auto';
import * as sdk from 'matrix-js-sdk';
import type { RegisteredUser, Synapse } from '../servers/synapse/harness.js';
import { waitFor } from './fixtures.js';

// The SDK and its wasm log every step at debug level; tests only want failures.
const silent = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...msg: unknown[]) => console.error('[js-sdk]', ...msg),
  getChild: () => silent,
};

export class JsSdkPeer {
  private constructor(
    readonly client: sdk.MatrixClient,
    readonly deviceId: string,
  ) {}

  /**
   * Signs in as a new device of `user`, starts crypto and sync, and waits for
   * the first sync. `fetchFn` sees every request the SDK makes (tests that
   * hold back its to-device messages); `cryptoCallbacks` (e.g.
   * getSecretStorageKey) for tests of secret storage.
   */
  static async start(
    synapse: Synapse,
    user: RegisteredUser,
    options: {
      fetchFn?: typeof fetch;
      cryptoCallbacks?: sdk.ICreateClientOpts['cryptoCallbacks'];
    } = {},
  ): Promise<JsSdkPeer> {
    const res = await fetch(`${synapse.url}/_matrix/client/v3/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: user.localpart },
        password: user.password,
        initial_device_display_name: 'js-sdk peer',
      }),
    });
    const login = (await res.json()) as { access_token: string; device_id: string };
    const client = sdk.createClient({
      baseUrl: synapse.url,
      userId: user.userId,
      deviceId: login.device_id,
      accessToken: login.access_token,
      logger: silent,
      ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
      cryptoCallbacks: options.cryptoCallbacks,
    });
    await client.initRustCrypto({ useIndexedDB: false });
    const ready = new Promise<void>((resolve) => {
      const onSync = (state: string) => {
        if (state === 'PREPARED' || state === 'SYNCING') {
          client.off(sdk.ClientEvent.Sync, onSync);
          resolve();
        }
      };
      client.on(sdk.ClientEvent.Sync, onSync);
    });
    await client.startClient({ initialSyncLimit: 20 });
    await ready;
    return new JsSdkPeer(client, login.device_id);
  }

  /** An encrypted direct chat with `other` (as Element makes one), created by this client. */
  async createEncryptedDm(other: string): Promise<string> {
    const { room_id } = await this.client.createRoom({
      preset: sdk.Preset.TrustedPrivateChat,
      is_direct: true,
      invite: [other],
      initial_state: [
        {
          type: 'm.room.encryption',
          state_key: '',
          content: { algorithm: 'm.megolm.v1.aes-sha2' },
        },
      ],
    });
    await waitFor('the peer sees its room', () => this.client.getRoom(room_id));
    return room_id;
  }

  /** Sends a text message (the SDK encrypts it in an encrypted room); returns its event id. */
  async sendText(roomId: string, body: string): Promise<string> {
    const { event_id } = await this.client.sendMessage(roomId, {
      msgtype: sdk.MsgType.Text,
      body,
    });
    return event_id;
  }

  /** What this client could decrypt in the room, oldest first. */
  decryptedEvents(roomId: string): sdk.MatrixEvent[] {
    const room = this.client.getRoom(roomId);
    if (!room) return [];
    return room
      .getLiveTimeline()
      .getEvents()
      .filter((e) => e.isEncrypted() && !e.isDecryptionFailure() && !e.isBeingDecrypted());
  }

  decryptedBodies(roomId: string): string[] {
    return this.decryptedEvents(roomId)
      .filter((e) => e.getType() === 'm.room.message')
      .map((e) => String(e.getContent().body ?? ''));
  }

  async stop(): Promise<void> {
    this.client.stopClient();
  }
}
