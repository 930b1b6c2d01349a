// Raw JMAP Chat method calls as one user of the reference server
// (test/servers/jmap-chat), with Basic auth `<login>:<login>-pw`: another
// client of the account, or the other person in a conversation, or a seed
// for a server without a daemon. The answers are the method responses.
import assert from 'node:assert/strict';

export type MethodResponse = [string, Record<string, unknown>, string];

export async function jmapChatCalls(
  serverUrl: string,
  login: string,
  calls: unknown[],
): Promise<MethodResponse[]> {
  const res = await fetch(`${serverUrl}/jmap/api/`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${login}:${login}-pw`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
      methodCalls: calls,
    }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { methodResponses: MethodResponse[] }).methodResponses;
}

/** The same, failing the test when any call answers an error. */
export async function jmapChatCallsOk(
  serverUrl: string,
  login: string,
  calls: unknown[],
): Promise<MethodResponse[]> {
  const answers = await jmapChatCalls(serverUrl, login, calls);
  for (const [name, args] of answers) assert.notEqual(name, 'error', JSON.stringify(args));
  return answers;
}
