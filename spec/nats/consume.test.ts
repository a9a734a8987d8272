import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  openBatchConsumer,
  streamInfo,
  publishJson,
  publishMany,
  streamMessages,
  type BatchConsumer,
  type JetStreamClient,
  type JetStreamManager,
} from '../../adapters/nats/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { startTestJetStream, type TestNats } from '../helpers/nats-server.ts';

const s = suite('nats consume');
let t: TestNats;
let js: JetStreamClient;
let ingest: JetStreamClient;
let jsm: JetStreamManager;

s.before(async () => {
  ({ t, js, jsm, ingest } = await startTestJetStream());
});
s.after(async () => {
  await t?.cleanup();
});

async function drain(c: BatchConsumer): Promise<void> {
  for (let batch = await c.fetchBatch(1_000, 1_000); batch.length > 0; batch = await c.fetchBatch(1_000, 1_000)) {
    for (const m of batch) m.ack();
  }
}

s('fetchBatch on an empty consumer resolves [] within about its expiry', async () => {
  const c = await openBatchConsumer(js, jsm, 'BARS', 'feature-engine');
  const started = performance.now();
  const batch = await c.fetchBatch(100, 1_000);
  const elapsed = performance.now() - started;
  assert.equal(batch, []);
  // 1 000 ms is the library's floor for a pull's expiry; allow scheduling slack, not a second wait
  assert.ok(elapsed < 1_800, `took ${elapsed.toFixed(0)} ms`);
});

s('fetchBatch returns as soon as max messages have arrived, decoded, with stream sequences', async () => {
  await publishMany(js, [1, 2, 3].map((i) => ({ subject: 'features.AAPL.1m', id: `f-${i}`, value: { i } })));
  const c = await openBatchConsumer(js, jsm, 'FEATURES', 'scoring-engine');
  const started = performance.now();
  const batch = await c.fetchBatch(3, 10_000);
  assert.ok(performance.now() - started < 2_000, 'did not wait for the 10 s expiry');
  assert.equal(batch.map((m) => [m.seq, m.subject, m.value, m.redelivered]), [
    [1, 'features.AAPL.1m', { i: 1 }, false],
    [2, 'features.AAPL.1m', { i: 2 }, false],
    [3, 'features.AAPL.1m', { i: 3 }, false],
  ]);
  for (const m of batch) m.ack();
});

s('a nak-ed message is redelivered, flagged redelivered; an acked one is not', async () => {
  const c = await openBatchConsumer(js, jsm, 'RAW', 'bar-builder');
  await drain(c);
  await publishJson(ingest, 'raw.tv.MSFT', 'nak-1', { n: 1 });
  await publishJson(ingest, 'raw.tv.MSFT', 'nak-2', { n: 2 });
  const first = await c.fetchBatch(2, 2_000);
  assert.equal(first.map((m) => m.value), [{ n: 1 }, { n: 2 }]);
  first[0]?.ack();
  first[1]?.nak(100);
  const again = await c.fetchBatch(10, 2_000);
  assert.equal(again.map((m) => [m.value, m.redelivered]), [[{ n: 2 }, true]]);
  assert.is(again[0]?.seq, first[1]?.seq);
  again[0]?.ack();
  await new Promise((r) => setTimeout(r, 100)); // acks are fire-and-forget; let the server count them
  assert.equal(await c.pending(), { numPending: 0, ackPending: 0 });
});

s('pending counts undelivered and unacked messages', async () => {
  const c = await openBatchConsumer(js, jsm, 'RAW', 'raw-archiver');
  await drain(c);
  await publishMany(ingest, [1, 2, 3].map((i) => ({ subject: 'raw.tv.IBM', id: `p-${i}`, value: i })));
  const one = await c.fetchBatch(1, 1_000);
  assert.is(one.length, 1);
  assert.equal(await c.pending(), { numPending: 2, ackPending: 1 }); // 3 published, 1 delivered unacked
  one[0]?.nak();
  await drain(c);
});

s('while messages are known to be pending, fetchBatch asks for them without a consumers.info round trip', async () => {
  let infos = 0;
  const counting = { consumers: { info: (...args: Parameters<JetStreamManager['consumers']['info']>) => (infos++, jsm.consumers.info(...args)) } } as unknown as JetStreamManager;
  const c = await openBatchConsumer(js, counting, 'BARS', 'feature-engine');
  await drain(c);
  await publishMany(js, [1, 2, 3, 4, 5, 6, 7].map((i) => ({ subject: 'bars.CATCH.1m', id: `catch-${i}`, value: { i } })));
  infos = 0;
  const first = await c.fetchBatch(3, 10_000);
  assert.equal(first.map((m) => m.value), [{ i: 1 }, { i: 2 }, { i: 3 }]);
  assert.is(infos, 1, 'nothing known yet: one info');
  const started = performance.now();
  const rest = await c.fetchBatch(10, 10_000);
  // the third message said 4 were pending after it: asked for exactly 4, so no expiry wait either
  assert.equal(rest.map((m) => m.value), [{ i: 4 }, { i: 5 }, { i: 6 }, { i: 7 }]);
  assert.ok(performance.now() - started < 2_000, 'did not wait for the 10 s expiry');
  assert.is(infos, 1, 'the pending count came with the messages');
  for (const m of [...first, ...rest]) m.ack();
  // caught up (the last message said 0 pending): the next fetch asks for one, without an info
  await publishMany(js, [{ subject: 'bars.CATCH.1m', id: 'catch-8', value: { i: 8 } }]);
  const next = await c.fetchBatch(10, 10_000);
  assert.equal(next.map((m) => m.value), [{ i: 8 }]);
  assert.is(infos, 1, 'caught up: no info before the fetch');
  next[0]!.ack();
  assert.equal(await c.fetchBatch(10, 1_000), []);
  assert.is(infos, 1, 'still caught up: the empty fetch asked for one, without an info');
  assert.equal(await c.fetchBatch(10, 1_000), []);
  assert.is(infos, 2, 'after a fetch that got nothing, nothing is known: the next one asks the server');
});

s('a body that is not JSON is returned with decodeError and does not wedge the consumer', async () => {
  const c = await openBatchConsumer(js, jsm, 'BARS', 'feature-engine');
  await drain(c);
  await js.publish('bars.BAD.1m', 'not json {', { msgID: 'bad-1' });
  await publishJson(js, 'bars.GOOD.1m', 'good-1', { ok: true });
  const batch = await c.fetchBatch(10, 1_000);
  assert.is(batch.length, 2);
  assert.is(batch[0]?.value, undefined);
  assert.type(batch[0]?.decodeError, 'string');
  assert.equal(batch[1]?.value, { ok: true });
  assert.is(batch[1]?.decodeError, undefined);
  for (const m of batch) m.ack();
  assert.equal(await c.fetchBatch(10, 1_000), []);
});

s('a delivered message carries its seq, subject, redelivery flag and body, and no decodeError field when the body is JSON', async () => {
  const c = await openBatchConsumer(js, jsm, 'BARS', 'feature-engine');
  await drain(c);
  const last = (await streamInfo(jsm, 'BARS')).lastSeq;
  // written by hand: 'é' is two UTF-8 bytes, '€' three
  await js.publish('bars.UTF.1m', new Uint8Array([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0x22, 0x7d]), { msgID: 'utf-1' });
  const [m] = await c.fetchBatch(10, 1_000);
  assert.ok(m);
  assert.equal({ seq: m.seq, subject: m.subject, redelivered: m.redelivered, value: m.value }, { seq: last + 1, subject: 'bars.UTF.1m', redelivered: false, value: { s: 'é€' } });
  assert.not.ok('decodeError' in m, 'no decodeError property at all');
  m.nak();
  const [again] = await c.fetchBatch(10, 1_000);
  assert.equal([again?.seq, again?.redelivered], [last + 1, true]);
  again!.ack();
  assert.equal(await c.fetchBatch(10, 1_000), []);
});

s('opening a consumer that does not exist fails with a code, not a hang', async () => {
  try {
    await openBatchConsumer(js, jsm, 'RAW', 'nobody');
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID'), String(err));
  }
});

s('streamMessages reads a stream in order, optionally filtered by subject', async () => {
  await publishMany(js, [
    { subject: 'signals.AAPL', id: 's-1', value: { n: 1 } },
    { subject: 'signals.MSFT', id: 's-2', value: { n: 2 } },
    { subject: 'signals.AAPL', id: 's-3', value: { n: 3 } },
  ]);
  const all = await streamMessages(js, 'SIGNALS');
  assert.equal(all.map((m) => [m.seq, m.subject, m.value]), [
    [1, 'signals.AAPL', { n: 1 }],
    [2, 'signals.MSFT', { n: 2 }],
    [3, 'signals.AAPL', { n: 3 }],
  ]);
  const aapl = await streamMessages(js, 'SIGNALS', 'signals.AAPL');
  assert.equal(aapl.map((m) => m.seq), [1, 3]);
  assert.equal(await streamMessages(js, 'SCORES'), []);
});

s.run();
