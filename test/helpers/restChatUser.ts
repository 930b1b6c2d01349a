// A Parley daemon signed in to the REST chat reference server
// (test/servers/rest-chat): daemonUser.ts with the REST chat connector.
import {
  RestChatConnector,
  type RestChatOptions,
} from '../../main/daemon/connectors/rest-chat/connector.js';
import { signInDaemonUser, type DaemonUser } from './daemonUser.js';

export type RestChatUser = DaemonUser<RestChatOptions>;

export function signInRestChatUser(
  serverUrl: string,
  username: string,
  password: string,
  options: RestChatOptions = {},
): Promise<RestChatUser> {
  return signInDaemonUser({
    protocol: 'rest-chat',
    connector: (o) => new RestChatConnector(o),
    options,
    server: serverUrl,
    username,
    password,
  });
}
