// Protocol name → connector. A protocol without a connector yet says so.
// What a kind of connector can do (its capabilities, operations, permalinks)
// is known here without making one: the API reads it for every account,
// running or not.
//
// The shipped connectors are registered by module: a connector's code (its
// wire schemas, mappings, crypto) is loaded the first time an account of its
// protocol needs a connector, not when the daemon starts. Starting the daemon
// and serving the first chat list does not pay for five protocols' modules,
// and a protocol nobody uses is never loaded. Its kind (connectors/<p>/kind.ts)
// is small and loaded at once.
import { join } from 'node:path';
import type { Protocol } from '../model/types.js';
import { PROTOCOLS } from '../model/types.js';
import type { Connector, ConnectorKind, MemberAuthorityReader } from './connector.js';
import { NotImplementedError } from './errors.js';
import { matrixKind } from './matrix/kind.js';
import { JMAP_MAIL_KIND } from './jmap-mail/kind.js';
import { JMAP_CHAT_KIND } from './jmap-chat/kind.js';
import { REST_CHAT_KIND } from './rest-chat/kind.js';
import { UNICHAT_KIND } from './unichat/kind.js';

export type ConnectorFactory = () => Connector;

/** What loading a connector's module gives the registry. */
export interface LoadedConnector {
  create: ConnectorFactory;
  /** Roles and powers in a chat, where the protocol has them. */
  memberAuthority?: MemberAuthorityReader;
}

interface Entry {
  /** Set once the module is loaded (at once for a factory registered directly). */
  loaded: LoadedConnector | null;
  load: () => Promise<LoadedConnector>;
  /** The load in flight, so concurrent callers share one import. */
  loading: Promise<LoadedConnector> | null;
}

export class ConnectorRegistry {
  private readonly entries = new Map<Protocol, Entry>();
  private readonly kinds = new Map<Protocol, ConnectorKind>();
  /** One connector per directly registered protocol, made to learn its kind. */
  private readonly samples = new Map<Protocol, Connector>();

  /**
   * A factory that is at hand now (tests, the benchmark's feed connector).
   * `kind` says what its connectors can do. Without it the first lookup
   * makes one sample connector and keeps what it says, so it is still one
   * per protocol, not one per question.
   */
  register(protocol: Protocol, factory: ConnectorFactory, kind?: ConnectorKind): this {
    const loaded: LoadedConnector = {
      create: factory,
      memberAuthority: (state, chatRemoteId, selfRemoteId) =>
        this.sample(protocol).memberAuthority?.(state, chatRemoteId, selfRemoteId) ?? null,
    };
    this.entries.set(protocol, { loaded, load: () => Promise.resolve(loaded), loading: null });
    this.samples.delete(protocol);
    if (kind) this.kinds.set(protocol, kind);
    else this.kinds.delete(protocol);
    return this;
  }

  /** A connector whose module `load` imports when first needed; `kind` says what it can do. */
  registerModule(
    protocol: Protocol,
    load: () => Promise<LoadedConnector>,
    kind: ConnectorKind,
  ): this {
    this.entries.set(protocol, { loaded: null, load, loading: null });
    this.kinds.set(protocol, kind);
    return this;
  }

  has(protocol: Protocol): boolean {
    return this.entries.has(protocol);
  }

  /** A new connector for this protocol, its module loaded first if need be. */
  async create(protocol: Protocol): Promise<Connector> {
    return (await this.loaded(protocol)).create();
  }

  /** The protocol's reader of roles and powers; null where it has none. */
  async memberAuthority(protocol: Protocol): Promise<MemberAuthorityReader | null> {
    if (!this.has(protocol)) return null;
    return (await this.loaded(protocol)).memberAuthority ?? null;
  }

  /** What this protocol's connector can do; null when this build has none. */
  kind(protocol: Protocol): ConnectorKind | null {
    const entry = this.entries.get(protocol);
    if (!entry) return null;
    let kind = this.kinds.get(protocol);
    if (!kind) {
      // Only a factory registered directly comes without a kind, so it is at hand.
      const sample = this.sample(protocol);
      kind = {
        capabilities: sample.capabilities,
        operations: sample.operations,
        ...(sample.permalink ? { permalink: sample.permalink.bind(sample) } : {}),
      };
      this.kinds.set(protocol, kind);
    }
    return kind;
  }

  /** A link to a message that others can open, or null where the protocol has none. */
  permalink(protocol: Protocol, chatRemoteId: string, messageRemoteId: string): string | null {
    return this.kind(protocol)?.permalink?.(chatRemoteId, messageRemoteId) ?? null;
  }

  private sample(protocol: Protocol): Connector {
    let sample = this.samples.get(protocol);
    if (!sample) {
      sample = this.entries.get(protocol)!.loaded!.create();
      this.samples.set(protocol, sample);
      // Kept only for what it says; nothing of it runs.
      void sample.close?.().catch(() => undefined);
    }
    return sample;
  }

  private loaded(protocol: Protocol): Promise<LoadedConnector> {
    const entry = this.entries.get(protocol);
    if (!entry) {
      if (!(PROTOCOLS as readonly string[]).includes(protocol))
        return Promise.reject(new NotImplementedError(`unknown protocol "${protocol}"`));
      return Promise.reject(
        new NotImplementedError(`the ${protocol} connector is not implemented yet`),
      );
    }
    if (entry.loaded) return Promise.resolve(entry.loaded);
    entry.loading ??= entry.load().then(
      (loaded) => (entry.loaded = loaded),
      (err: unknown) => {
        // A failed import (a broken install) is tried again next time.
        entry.loading = null;
        throw err;
      },
    );
    return entry.loading;
  }
}

/**
 * The connectors this build ships. Each protocol issue adds its line here.
 * With a profile, Matrix keeps its crypto stores in <profile>/matrix-crypto.
 */
export function defaultConnectors(profileDir?: string): ConnectorRegistry {
  const cryptoDir = profileDir ? join(profileDir, 'matrix-crypto') : null;
  return new ConnectorRegistry()
    .registerModule(
      'matrix',
      async () => {
        const [{ MatrixConnector }, { matrixMemberAuthority }] = await Promise.all([
          import('./matrix/connector.js'),
          import('./matrix/powerLevels.js'),
        ]);
        return {
          create: () => new MatrixConnector({ cryptoDir }),
          memberAuthority: matrixMemberAuthority,
        };
      },
      matrixKind(cryptoDir),
    )
    .registerModule(
      'jmap-mail',
      async () => {
        const { JmapMailConnector } = await import('./jmap-mail/connector.js');
        return { create: () => new JmapMailConnector() };
      },
      JMAP_MAIL_KIND,
    )
    .registerModule(
      'jmap-chat',
      async () => {
        const { JmapChatConnector } = await import('./jmap-chat/connector.js');
        return { create: () => new JmapChatConnector() };
      },
      JMAP_CHAT_KIND,
    )
    .registerModule(
      'rest-chat',
      async () => {
        const { RestChatConnector } = await import('./rest-chat/connector.js');
        return { create: () => new RestChatConnector() };
      },
      REST_CHAT_KIND,
    )
    .registerModule(
      'unichat',
      async () => {
        const { UnichatConnector } = await import('./unichat/connector.js');
        return { create: () => new UnichatConnector() };
      },
      UNICHAT_KIND,
    );
}
