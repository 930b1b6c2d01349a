// A Parley daemon signed in to the REST chat reference server
// (test/servers/rest-chat): daemonUser.ts with the REST chat connector.
import assert from 'node:assert/strict';
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

/**
 * A request to the REST chat server as another client of its user makes it
 * (bearer token of a session of their own): the other side of a test. Fails
 * the test on a status that is not ok; answers the parsed JSON body (null
 * when empty).
 */
export async function restChatRequest<T>(
  serverUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${serverUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}
