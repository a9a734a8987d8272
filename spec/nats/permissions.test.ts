import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JetStreamApiError } from '@nats-io/jetstream';
import { AuthorizationError, PermissionViolationError } from '@nats-io/transport-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyTopology,
  connectNats,
  jetstream,
  jetstreamManager,
  openBatchConsumer,
  publishJson,
  streamInfo,
  type JetStreamClient,
  type JetStreamManager,
} from '../../adapters/nats/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { startTestJetStream, startTestNats, type TestNats } from '../helpers/nats-server.ts';

const s = suite('nats users and permissions (nats.conf)');
let t: TestNats;
let js: JetStreamClient;
let jsm: JetStreamManager;

s.before(async () => {
  ({ t, js, jsm } = await startTestJetStream());
  await publishJson(js, 'raw.tv.AAPL', 'keep-1', { price: 1 });
});
s.after(async () => {
  await t?.cleanup();
});

function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e instanceof Error && out.length < 8; e = e.cause) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

s('pipeline may publish to raw.>', async () => {
  const ack = await publishJson(js, 'raw.tv.AAPL', 'pipe-1', { price: 2 });
  assert.is(ack.duplicate, false);
});

s('ops may not publish to raw.>: a permission error, and nothing is stored', async () => {
  const before = await streamInfo(jsm, 'RAW');
  const ops = jetstream(await t.connect('ops'));
  const err = await rejection(publishJson(ops, 'raw.tv.AAPL', 'ops-1', { price: 3 }));
  assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_PUBLISH'), String(err));
  assert.is(err.info.reason, 'permission');
  assert.ok(causeChain(err).some((e) => e instanceof PermissionViolationError));
  assert.equal(await streamInfo(jsm, 'RAW'), before);
});

s('ops can read stream and consumer info and a stored message, but cannot create a consumer', async () => {
  const opsJsm = await jetstreamManager(await t.connect('ops'));
  assert.ok((await opsJsm.streams.info('RAW')).state.messages >= 1);
  assert.is((await opsJsm.consumers.info('RAW', 'bar-builder')).name, 'bar-builder');
  const stored = await opsJsm.streams.getMessage('RAW', { seq: 1 });
  assert.equal(stored?.json(), { price: 1 });
  const err = await rejection(opsJsm.consumers.add('RAW', { durable_name: 'ops-sneaky', ack_policy: 'explicit' }));
  assert.ok(causeChain(err).some((e) => e instanceof PermissionViolationError), String(err));
});

s('gateway may not publish market data or signals', async () => {
  const gw = jetstream(await t.connect('gateway'));
  for (const subject of ['raw.tv.AAPL', 'signals.AAPL']) {
    const err = await rejection(publishJson(gw, subject, `gw-${subject}`, {}));
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_PUBLISH'), subject);
    assert.is(err.info.reason, 'permission', subject);
  }
});

s('gateway reads signals through its own durable pull consumer and acks them', async () => {
  await publishJson(js, 'signals.AAPL', 'sig-1', { score: 80 });
  const gwNc = await t.connect('gateway');
  const gwJsm = await jetstreamManager(gwNc);
  await gwJsm.consumers.add('SIGNALS', { durable_name: 'execution-gateway', ack_policy: 'explicit' });
  const c = await openBatchConsumer(jetstream(gwNc), gwJsm, 'SIGNALS', 'execution-gateway');
  const batch = await c.fetchBatch(10, 1_000);
  assert.equal(batch.map((m) => m.value), [{ score: 80 }]);
  batch[0]?.ack();
  assert.equal(await c.fetchBatch(10, 1_000), []);
});

s('pipeline may not purge or delete a stream: refused by permissions before the stream sees it', async () => {
  const before = await streamInfo(jsm, 'RAW');
  for (const attempt of [jsm.streams.purge('RAW'), jsm.streams.delete('RAW')]) {
    const err = await rejection(attempt);
    assert.ok(causeChain(err).some((e) => e instanceof PermissionViolationError), String(err));
  }
  assert.equal(await streamInfo(jsm, 'RAW'), before);
});

s('RAW itself refuses to delete a message (JetStream API error), even for pipeline', async () => {
  const before = await streamInfo(jsm, 'RAW');
  const err = await rejection(jsm.streams.deleteMessage('RAW', 1));
  assert.instance(err, JetStreamApiError);
  // 10057 = JSStreamMsgDeleteFailedF, "message delete not permitted" (observed on nats-server 2.9.10)
  assert.is((err as JetStreamApiError).code, 10057);
  assert.equal(await streamInfo(jsm, 'RAW'), before);
});

s('a wrong password is refused with FAKEOUT_ERR_NATS_CONNECT', async () => {
  const err = await rejection(connectNats({ servers: t.url, user: 'pipeline', pass: 'not-the-password', name: 'test-bad-credentials' }));
  assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_NATS_CONNECT'), String(err));
  assert.instance((err as Error).cause, AuthorizationError);
  const shown = JSON.stringify((err as Error & { info: unknown }).info) + (err as Error).message;
  assert.not.ok(shown.includes('not-the-password'), 'the password is neither in the message nor the details');
});

s.run();

// The stream-level lock must hold on its own, even for a client the permissions would let through:
// a server whose config has no users at all (everything allowed), with the same topology.
const open = suite('RAW without user permissions (stream config alone)');
let u: TestNats;
let confDir: string;
open.before(async () => {
  confDir = await mkdtemp(join(tmpdir(), 'fakeout-nats-conf-'));
  const conf = join(confDir, 'open.conf');
  await writeFile(conf, 'jetstream {\n}\n');
  u = await startTestNats({ configFile: conf });
  await applyTopology(await u.connect());
});
open.after(async () => {
  await u?.cleanup();
  await rm(confDir, { recursive: true, force: true });
});

open('RAW refuses purge and message delete with JetStream API errors', async () => {
  const openJs = jetstream(await u.connect());
  const openJsm = await jetstreamManager(await u.connect());
  await publishJson(openJs, 'raw.tv.AAPL', 'open-1', { price: 1 });
  await publishJson(openJs, 'raw.tv.AAPL', 'open-2', { price: 2 });
  for (const attempt of [openJsm.streams.purge('RAW'), openJsm.streams.purge('RAW', { keep: 1 }), openJsm.streams.deleteMessage('RAW', 1)]) {
    const err = await rejection(attempt);
    assert.instance(err, JetStreamApiError);
  }
  assert.equal(await streamInfo(openJsm, 'RAW'), { messages: 2, lastSeq: 2 });
});

open('a derived stream without the lock can be purged by such a client (so the RAW test can fail)', async () => {
  const openJs = jetstream(await u.connect());
  const openJsm = await jetstreamManager(await u.connect());
  await publishJson(openJs, 'bars.AAPL.1m', 'b-1', {});
  await openJsm.streams.purge('BARS');
  assert.is((await streamInfo(openJsm, 'BARS')).messages, 0);
});

open.run();
