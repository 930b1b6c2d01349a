// Protocol name → connector. A protocol without a connector yet says so.
import { join } from 'node:path';
import type { Protocol } from '../model/types.js';
import { PROTOCOLS } from '../model/types.js';
import type { Connector } from './connector.js';
import { NotImplementedError } from './errors.js';
import { MatrixConnector } from './matrix/connector.js';
import { JmapMailConnector } from './jmap-mail/connector.js';
import { JmapChatConnector } from './jmap-chat/connector.js';
import { RestChatConnector } from './rest-chat/connector.js';
import { UnichatConnector } from './unichat/connector.js';

export type ConnectorFactory = () => Connector;

export class ConnectorRegistry {
  private readonly factories = new Map<Protocol, ConnectorFactory>();

  register(protocol: Protocol, factory: ConnectorFactory): this {
    this.factories.set(protocol, factory);
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
}

/**
 * The connectors this build ships. Each protocol issue adds its line here.
 * With a profile, Matrix keeps its crypto stores in <profile>/matrix-crypto.
 */
export function defaultConnectors(profileDir?: string): ConnectorRegistry {
  const cryptoDir = profileDir ? join(profileDir, 'matrix-crypto') : null;
  return new ConnectorRegistry()
    .register('matrix', () => new MatrixConnector({ cryptoDir }))
    .register('jmap-mail', () => new JmapMailConnector())
    .register('jmap-chat', () => new JmapChatConnector())
    .register('rest-chat', () => new RestChatConnector())
    .register('unichat', () => new UnichatConnector());
}
