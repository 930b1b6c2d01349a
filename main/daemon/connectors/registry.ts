// Protocol name → connector. A protocol without a connector yet says so.
// What a kind of connector can do (its capabilities, its permalinks) is known
// here without making one: the API reads it for every account, running or not.
import { join } from 'node:path';
import type { Protocol } from '../model/types.js';
import { PROTOCOLS } from '../model/types.js';
import type { Connector, ConnectorKind } from './connector.js';
import { NotImplementedError } from './errors.js';
import { MatrixConnector, matrixKind } from './matrix/connector.js';
import { JMAP_MAIL_KIND, JmapMailConnector } from './jmap-mail/connector.js';
import { JMAP_CHAT_KIND, JmapChatConnector } from './jmap-chat/connector.js';
import { REST_CHAT_KIND, RestChatConnector } from './rest-chat/connector.js';
import { UNICHAT_KIND, UnichatConnector } from './unichat/connector.js';

export type ConnectorFactory = () => Connector;

export class ConnectorRegistry {
  private readonly factories = new Map<Protocol, ConnectorFactory>();
  private readonly kinds = new Map<Protocol, ConnectorKind>();

  /**
   * `kind` says what the connectors this factory makes can do. Without it
   * (test registries) the first lookup makes one connector and keeps what it
   * says, so it is still one per protocol, not one per question.
   */
  register(protocol: Protocol, factory: ConnectorFactory, kind?: ConnectorKind): this {
    this.factories.set(protocol, factory);
    if (kind) this.kinds.set(protocol, kind);
    else this.kinds.delete(protocol);
    return this;
  }

  has(protocol: Protocol): boolean {
    return this.factories.has(protocol);
  }

  create(protocol: Protocol): Connector {
    const factory = this.factories.get(protocol);
    if (!factory) {
      if (!(PROTOCOLS as readonly string[]).includes(protocol))
        throw new NotImplementedError(`unknown protocol "${protocol}"`);
      throw new NotImplementedError(`the ${protocol} connector is not implemented yet`);
    }
    return factory();
  }

  /** What this protocol's connector can do; null when this build has none. */
  kind(protocol: Protocol): ConnectorKind | null {
    if (!this.has(protocol)) return null;
    let kind = this.kinds.get(protocol);
    if (!kind) {
      const sample = this.create(protocol);
      kind = {
        capabilities: sample.capabilities,
        permalink: sample.permalink?.bind(sample),
        memberAuthority: sample.memberAuthority?.bind(sample),
      };
      this.kinds.set(protocol, kind);
      void sample.close?.().catch(() => undefined);
    }
    return kind;
  }

  /** A link to a message that others can open, or null where the protocol has none. */
  permalink(protocol: Protocol, chatRemoteId: string, messageRemoteId: string): string | null {
    return this.kind(protocol)?.permalink?.(chatRemoteId, messageRemoteId) ?? null;
  }
}

/**
 * The connectors this build ships. Each protocol issue adds its line here.
 * With a profile, Matrix keeps its crypto stores in <profile>/matrix-crypto.
 */
export function defaultConnectors(profileDir?: string): ConnectorRegistry {
  const cryptoDir = profileDir ? join(profileDir, 'matrix-crypto') : null;
  return new ConnectorRegistry()
    .register('matrix', () => new MatrixConnector({ cryptoDir }), matrixKind(cryptoDir))
    .register('jmap-mail', () => new JmapMailConnector(), JMAP_MAIL_KIND)
    .register('jmap-chat', () => new JmapChatConnector(), JMAP_CHAT_KIND)
    .register('rest-chat', () => new RestChatConnector(), REST_CHAT_KIND)
    .register('unichat', () => new UnichatConnector(), UNICHAT_KIND);
}
