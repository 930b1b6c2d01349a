// Matrix power levels → roles and what the member panel offers, against a
// real Synapse: ann (100) runs a room where bo is a moderator (50) and cy may
// only read; the levels say who may invite, kick and ban whom, as each user's
// own Parley sees it, and a change of levels reaches Parley live.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Synapse, waitFor, type RegisteredUser } from '../servers/synapse/harness.js';
import { ParleyUser } from '../servers/synapse/parley.js';
import type { MemberView } from '../../main/daemon/api/contract.js';

let synapse: Synapse;
let ann: RegisteredUser;
let bo: RegisteredUser;
let cy: RegisteredUser;
let room = '';
const open: ParleyUser[] = [];
const C = '/_matrix/client/v3';
const e = encodeURIComponent;

const setPowerLevels = async (change: (pl: Record<string, unknown>) => void) => {
  const path = `${C}/rooms/${e(room)}/state/m.room.power_levels/`;
  const pl = await synapse.api<Record<string, unknown>>(ann.accessToken, 'GET', path);
  change(pl);
  await synapse.api(ann.accessToken, 'PUT', path, pl);
};

async function signIn(user: RegisteredUser) {
  const p = await ParleyUser.signIn(synapse, user, { cryptoDir: null });
  open.push(p);
  return p;
}

async function membersOf(p: ParleyUser): Promise<Map<string, MemberView>> {
  const chat = await waitFor('the room in Parley', () => p.chat(room));
  const members = await p.call('chats.members', { chatId: chat.id });
  return new Map(members.map((m) => [m.personRemoteId, m]));
}

before(async () => {
  synapse = await Synapse.start();
  ann = await synapse.register('ann');
  bo = await synapse.register('bo');
  cy = await synapse.register('cy');
  room = await synapse.sharedRoom(ann, bo, { name: 'Ruled room', preset: 'private_chat' });
  await synapse.api(ann.accessToken, 'POST', `${C}/rooms/${e(room)}/invite`, {
    user_id: cy.userId,
  });
  await synapse.api(cy.accessToken, 'POST', `${C}/join/${e(room)}`, {});
  await setPowerLevels((pl) => {
    // ann created the room: in room version 12 (Synapse's default) she is its owner, above
    // every level and not listed in users.
    pl.users = { [bo.userId]: 50 };
    pl.invite = 50;
    pl.kick = 75;
    pl.ban = 50;
    pl.events = { ...(pl.events as object), 'm.room.message': 10 };
  });
  for (const u of [ann, bo])
    await synapse.send(u, room, { msgtype: 'm.text', body: `hi from ${u.localpart}` });
});

after(async () => {
  for (const p of open) await p.close().catch(() => undefined);
  await synapse?.stop();
});

test('a moderator sees the roles, may invite and ban those below, and may not kick (kick needs 75)', async () => {
  const p = await signIn(bo);
  const members = await waitFor('all three members with roles', async () => {
    const m = await membersOf(p);
    return m.size === 3 && m.get(ann.userId)?.role === 'owner' ? m : null;
  });
  assert.equal(members.get(ann.userId)!.role, 'owner');
  assert.equal(members.get(bo.userId)!.role, 'moderator');
  assert.equal(members.get(cy.userId)!.role, 'reader', 'below the level to send messages');
  const chat = p.chat(room)!;
  assert.deepEqual(await p.call('chats.permissions', { chatId: chat.id }), {
    invite: true,
    kick: false,
    ban: true,
  });
  assert.equal(members.get(cy.userId)!.mayBan, true, 'cy is below bo');
  assert.equal(members.get(cy.userId)!.mayKick, false, 'kick needs 75');
  assert.equal(members.get(ann.userId)!.mayBan, false, 'ann is above bo');
  assert.equal(members.get(bo.userId)!.mayBan, false, 'never oneself');
});

test('the room owner may do everything to everyone else; a reader may do nothing', async () => {
  const a = await signIn(ann);
  const members = await waitFor('members in ann’s Parley', async () => {
    const m = await membersOf(a);
    return m.size === 3 ? m : null;
  });
  assert.deepEqual(await a.call('chats.permissions', { chatId: a.chat(room)!.id }), {
    invite: true,
    kick: true,
    ban: true,
  });
  for (const id of [bo.userId, cy.userId]) {
    assert.equal(members.get(id)!.mayKick, true, id);
    assert.equal(members.get(id)!.mayBan, true, id);
  }

  const c = await signIn(cy);
  await waitFor('members in cy’s Parley', async () => (await membersOf(c)).size === 3);
  const chatId = c.chat(room)!.id;
  assert.deepEqual(await c.call('chats.permissions', { chatId }), {
    invite: false,
    kick: false,
    ban: false,
  });
  for (const m of (await membersOf(c)).values()) {
    assert.equal(m.mayKick, false, m.personRemoteId);
    assert.equal(m.mayBan, false, m.personRemoteId);
  }

  // Promoted while Parley runs: the new levels arrive with the live sync.
  await setPowerLevels((pl) => {
    (pl.users as Record<string, number>)[cy.userId] = 50;
  });
  await waitFor('cy’s Parley sees the promotion', async () => {
    const may = await c.call('chats.permissions', { chatId });
    return may?.invite === true && may.ban === true;
  });
  const after = await membersOf(c);
  assert.equal(after.get(cy.userId)!.role, 'moderator');
  assert.equal(after.get(bo.userId)!.mayBan, false, 'bo is not below cy (both 50)');
});
