// `parley devices` and `parley verify` where no server is needed: their usage,
// the refusals that come before anything is opened, and how the emoji print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../main/cli/main.js';
import { formatDevices, formatEmoji } from '../../main/cli/securityCommands.js';

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: (t: string) => void out.push(t),
    stderr: (t: string) => void err.push(t),
    stdin: () => '',
  };
  return runCli(args, io).then((code) => ({ code, stdout: out.join(''), stderr: err.join('') }));
}

test('help names the verification options', async () => {
  const verify = await run(['help', 'verify']);
  assert.equal(verify.code, 0);
  assert.match(verify.stdout, /^usage: parley verify --account ID USER_ID \[DEVICE_ID\]/);
  assert.match(verify.stdout, /--accept/);
  assert.match(verify.stdout, /--yes/);
  const devices = await run(['devices', '--help']);
  assert.match(devices.stdout, /--sign-out DEVICE_ID --password-stdin/);
  assert.match((await run(['help'])).stdout, /verify --account ID USER_ID/);
});

test('without a terminal, verify will not confirm emoji nobody looked at', async () => {
  const r = await run(['verify', '--account', '1', '@bo:example.org']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a terminal: pass --yes/);
});

test('bad usage is refused before anything is opened', async () => {
  const noAccount = await run(['devices']);
  assert.equal(noAccount.code, 2);
  assert.match(noAccount.stderr, /--account must be a positive integer/);
  const noPassword = await run(['devices', '--account', '1', '--sign-out', 'OLDLAPTOP']);
  assert.equal(noPassword.code, 2);
  assert.match(noPassword.stderr, /--password-stdin/);
  const noUser = await run(['verify', '--account', '1', '--yes']);
  assert.equal(noUser.code, 2);
});

test('the emoji print with their names and the numbers; devices with their fingerprint', () => {
  const text = formatEmoji({
    accountId: 1,
    flowId: 'f',
    userId: '@bo:x',
    deviceId: 'D',
    roomId: null,
    weStarted: false,
    phase: 'compare',
    emoji: [
      { symbol: '🐶', name: 'Dog' },
      { symbol: '🚀', name: 'Rocket' },
    ],
    decimals: [1234, 5678, 4321],
    cancel: null,
  });
  assert.match(text, /🐶/);
  assert.match(text, /Dog, Rocket/);
  assert.match(text, /numbers: 1234 5678 4321/);
  const list = formatDevices([
    {
      deviceId: 'ABCDEF',
      displayName: 'Parley',
      ed25519: 'abcdefghijkl',
      verified: true,
      crossSigned: true,
      current: true,
      lastSeenTs: null,
      lastSeenIp: null,
    },
  ]);
  assert.match(list, /^\* ABCDEF {2}verified/);
  assert.match(list, /fingerprint abcd efgh ijkl/);
});
