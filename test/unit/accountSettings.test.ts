import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  readAccountSettings,
  updateAccountSettings,
} from '../../main/daemon/store/accountSettings.js';
import { addAccount, tempStore } from '../helpers/fixtures.js';

test('the history depth is per account, full by default, validated, and goes with the account', () => {
  const { store, cleanup } = tempStore();
  try {
    const a = addAccount(store, 'a');
    const b = addAccount(store, 'b');
    assert.equal(
      readAccountSettings(store.readDb, a.id).historyDays,
      null,
      'full history by default',
    );
    assert.equal(updateAccountSettings(store.db, a.id, { historyDays: 30 }), true);
    assert.equal(readAccountSettings(store.readDb, a.id).historyDays, 30);
    assert.equal(readAccountSettings(store.readDb, b.id).historyDays, null, 'only that account');
    assert.throws(() => updateAccountSettings(store.db, a.id, { historyDays: 0 }), RangeError);
    assert.throws(() => updateAccountSettings(store.db, a.id, { historyDays: 1.5 }), RangeError);
    assert.equal(
      readAccountSettings(store.readDb, a.id).historyDays,
      30,
      'a refused value changes nothing',
    );
    assert.equal(updateAccountSettings(store.db, 999, { historyDays: 7 }), false);

    // Whatever else the column holds is kept; a malformed column reads as the defaults.
    store.db.prepare(`UPDATE accounts SET settings_json = ? WHERE id = ?`).run('{"other":1}', b.id);
    updateAccountSettings(store.db, b.id, { historyDays: 7 });
    assert.deepEqual(
      JSON.parse(
        store.db
          .prepare(`SELECT settings_json FROM accounts WHERE id = ?`)
          .pluck()
          .get(b.id) as string,
      ),
      { other: 1, historyDays: 7 },
    );
    store.db.prepare(`UPDATE accounts SET settings_json = 'not json' WHERE id = ?`).run(b.id);
    assert.equal(readAccountSettings(store.readDb, b.id).historyDays, null);
  } finally {
    cleanup();
  }
});
