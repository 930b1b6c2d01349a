// A Parley daemon signed in to the unichat reference server
// (test/servers/unichat): daemonUser.ts with the unichat connector.
import {
  UnichatConnector,
  type UnichatOptions,
} from '../../main/daemon/connectors/unichat/connector.js';
import { signInDaemonUser, type DaemonUser } from './daemonUser.js';

export type UnichatUser = DaemonUser<UnichatOptions>;

export function signInUnichatUser(
  serverUrl: string,
  email: string,
  password: string,
  options: UnichatOptions = {},
): Promise<UnichatUser> {
  return signInDaemonUser({
    protocol: 'unichat',
    connector: (o) => new UnichatConnector(o),
    options,
    server: serverUrl,
    username: email,
    password,
  });
}
