/**
 * The gateway lease over a real nats-server (adapters/nats/lease-kv.ts): the KV lock pattern as
 * the server enforces it. One holder at a time, renewal only at the holder's revision, the key
 * gone after the TTL unrenewed, given back by release, and reclaimed at once only by the same
 * host and data directory.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureLeaseBucket, leaseStore, type LeaseValue } from '../../adapters/nats/index.ts';
import { startTestNats, type TestNats } from '../helpers/nats-server.ts';

const s = suite('gateway lease (KV bucket leases)');
let t: TestNats;
const TTL = 1_500;
const a: LeaseValue = { holder: 'host-a:/data/a', pid: 11, since: 0 };
const b: LeaseValue = { holder: 'host-b:/data/b', pid: 22, since: 0 };

s.before(async () => {
  t = await startTestNats();
  await ensureLeaseBucket(await t.connect('admin'), TTL);
});
s.after(async () => {
  await t?.cleanup();
});

s('one holder at a time: the second create is refused and says who holds the key', async () => {
  const [la, lb] = [leaseStore(await t.connect('gateway'), 'one'), leaseStore(await t.connect('gateway'), 'one')];
  const got = await la.acquire(a);
  assert.ok(got.held && !got.reclaimed);
  assert.is(got.ttlMs, TTL, 'the bucket\'s TTL as admin set it');
  const other = await lb.acquire(b);
  assert.equal(other, { held: false, by: a, ttlMs: TTL });
});

s('renewal only at the holder\'s last revision; the key expires after the TTL unrenewed, then another may take it', async () => {
  const [la, lb] = [leaseStore(await t.connect('gateway'), 'two'), leaseStore(await t.connect('gateway'), 'two')];
  const got = await la.acquire(a);
  assert.ok(got.held);
  const r1 = got.held ? got.revision : 0;
  const r2 = await la.renew(a, r1, 1_000);
  assert.ok(r2 > r1);
  let stale: unknown;
  await la.renew(a, r1, 1_000).catch((err: unknown) => (stale = err));
  assert.ok(stale instanceof Error, 'a renewal with an older revision is refused');
  assert.is((await lb.acquire(b)).held, false);
  await new Promise((r) => setTimeout(r, TTL + 300));
  const taken = await lb.acquire(b);
  assert.ok(taken.held, 'free after the TTL');
  let lost: unknown;
  await la.renew(a, r2, 1_000).catch((err: unknown) => (lost = err));
  assert.ok(lost instanceof Error, 'the old holder\'s renewal now fails: it has lost the lease');
});

s('release gives the key back at once; the same host and data directory reclaims its own key without waiting', async () => {
  const [la, lb] = [leaseStore(await t.connect('gateway'), 'three'), leaseStore(await t.connect('gateway'), 'three')];
  const got = await la.acquire(a);
  assert.ok(got.held);
  const again = await la.acquire({ ...a, pid: 12 });
  assert.ok(again.held && again.reclaimed, 'a restarted process of the same data directory reclaims it');
  await la.release(again.held ? again.revision : 0);
  const next = await lb.acquire(b);
  assert.ok(next.held && !next.reclaimed, 'released: the other process takes it at once');
  await la.release(again.held ? again.revision : 0); // a stale release changes nothing
  assert.equal(await la.acquire(a), { held: false, by: b, ttlMs: TTL });
});

s.run();
