// maxOf / minOf / appendAll take server-sized lists that Math.max(...list)
// and push(...list) cannot (a RangeError past ~120,000 arguments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendAll, maxOf, minOf } from '../../main/daemon/connectors/extremes.js';

const big = Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 300_007);

test('the largest and smallest of a list too long to spread', () => {
  assert.throws(() => Math.max(...big), RangeError);
  assert.equal(maxOf(big), 300_006);
  assert.equal(minOf(big), 0);
});

test('the start value counts, and is the answer for an empty list', () => {
  assert.equal(maxOf([3, 9, 4], 12), 12);
  assert.equal(maxOf([3, 9, 4], 5), 9);
  assert.equal(maxOf([], 7), 7);
  assert.equal(minOf([3, 9, 4], 1), 1);
  assert.equal(minOf([], 7), 7);
  assert.equal(minOf([]), Number.POSITIVE_INFINITY);
});

test('appending a list too long to spread keeps every item in order', () => {
  const target = [-1];
  appendAll(target, big);
  assert.equal(target.length, big.length + 1);
  assert.equal(target[0], -1);
  assert.equal(target[target.length - 1], big[big.length - 1]);
});
