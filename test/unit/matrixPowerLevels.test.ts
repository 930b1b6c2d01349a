// The Matrix power-level rules as the member panel applies them, including
// what older stored room state (without the kick/ban/invite levels) means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrixAuthority } from '../../main/daemon/connectors/matrix/powerLevels.js';
import { powerLevelsOf } from '../../main/daemon/connectors/matrix/mapping/rooms.js';

test('the spec defaults: kick and ban need 50, invite 0; only those below one may be removed', () => {
  const power = powerLevelsOf({ users: { '@mod:x': 50, '@admin:x': 100 } });
  const mod = matrixAuthority(power, '@mod:x');
  assert.deepEqual(mod.may, { invite: true, kick: true, ban: true });
  assert.equal(mod.mayKick('@someone:x'), true);
  assert.equal(mod.mayKick('@admin:x'), false);
  assert.equal(mod.mayBan('@mod:x'), false);
  assert.equal(mod.roleOf('@admin:x'), 'admin');
  assert.equal(mod.roleOf('@someone:x'), null);
  const plain = matrixAuthority(power, '@someone:x');
  assert.deepEqual(plain.may, { invite: true, kick: false, ban: false });
});

test('v12 creators own the room: above every level, never removable', () => {
  const power = powerLevelsOf({ users: { '@admin:x': 100 } });
  const admin = matrixAuthority(power, '@admin:x', ['@creator:x']);
  assert.equal(admin.roleOf('@creator:x'), 'owner');
  assert.equal(admin.mayBan('@creator:x'), false);
  const creator = matrixAuthority(power, '@creator:x', ['@creator:x']);
  assert.equal(creator.mayBan('@admin:x'), true);
});

test('levels stored by an older version are unknown: every action is offered and the server decides', () => {
  const old = matrixAuthority({ users: {}, usersDefault: 0, notifications: {} }, '@me:x');
  assert.equal(old.may, null);
  assert.equal(old.mayKick('@other:x'), true);
  assert.equal(old.mayKick('@me:x'), false);
});
