import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GENESIS_SHA, canonicalJson, chainRow, sha256Hex } from '../../adapters/db/hash-chain.ts';

const s = suite('hash-chain');

s('sha256Hex matches sha256sum', () => {
  // printf 'abc' | sha256sum
  assert.is(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  // printf '' | sha256sum
  assert.is(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

s('canonicalJson sorts keys at every depth and keeps array order', () => {
  const value = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
  assert.is(canonicalJson(value), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
});

s('canonicalJson does not depend on key insertion order', () => {
  const one = { id: 'x', event: { price: 1.5, ts: 10 }, origin: { file: 'f', line: 2 } };
  const two = { origin: { line: 2, file: 'f' }, event: { ts: 10, price: 1.5 }, id: 'x' };
  assert.is(canonicalJson(one), canonicalJson(two));
});

s('canonicalJson drops undefined members like JSON.stringify and escapes strings', () => {
  assert.is(canonicalJson({ a: undefined, b: 'q"\n', c: [undefined] }), '{"b":"q\\"\\n","c":[null]}');
  assert.throws(() => canonicalJson(undefined), /no JSON representation/);
});

s('chainRow links from the previous sha: row = sha256(prev + content)', () => {
  const link = chainRow(GENESIS_SHA, { a: 1 });
  // printf '{"a":1}' | sha256sum
  assert.is(link.content_sha256, '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
  assert.is(link.prev_sha256, '0'.repeat(64));
  // printf '%s%s' <64 zeros> 015abd7f…f862 | sha256sum
  assert.is(link.row_sha256, 'cdae94bd29b7de0c2a7af392f4d984ed5a41b15bdd872f7b9726132508047adc');
  assert.is(chainRow(link.row_sha256, { a: 1 }).prev_sha256, link.row_sha256);
  assert.is.not(chainRow(link.row_sha256, { a: 1 }).row_sha256, link.row_sha256);
});

s.run();
