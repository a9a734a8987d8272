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

s('canonicalJson writes the same text as JSON.stringify when the keys are already sorted', () => {
  // JSON.stringify is the independent reference: for a value whose keys are in sorted order at
  // every depth, canonical JSON is exactly its output (numbers, escapes, null/undefined rules).
  const values: unknown[] = [
    { a: -0, b: 1e21, c: 0.1 + 0.2, d: NaN, e: -Infinity, f: 5e-324, g: 123456789012345680000 },
    { a: true, b: false, c: null, d: [1, undefined, () => 1, Symbol('s'), null], e: () => 1 },
    { a: 'é\u2028"\\\u0000\ud800', b: new Date(0), c: { toJSON: () => ({ x: [1, 'y'] }) } },
    [[], {}, [[{}]], ''],
    'plain', 42, false, null,
  ];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const leaf = (): unknown => [() => rnd() * 1e6 - 5e5, () => Math.floor(rnd() * 1e9), () => `s${rnd()}"\\`, () => rnd() < 0.5, () => null][Math.floor(rnd() * 5)]!();
  const tree = (depth: number): unknown => {
    if (depth === 0 || rnd() < 0.3) return leaf();
    if (rnd() < 0.3) return Array.from({ length: Math.floor(rnd() * 4) }, () => tree(depth - 1));
    const keys = Array.from({ length: Math.floor(rnd() * 5) }, (_, i) => `k${i}`).sort();
    return Object.fromEntries(keys.map((k) => [k, tree(depth - 1)]));
  };
  for (let i = 0; i < 300; i++) values.push(tree(4));
  for (const v of values) assert.is(canonicalJson(v), JSON.stringify(v));
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
