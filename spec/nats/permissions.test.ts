import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, JetStreamApiError } from '@nats-io/jetstream';
import { AuthorizationError, PermissionViolationError } from '@nats-io/transport-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyTopology,
  connectNats,
  ensureLeaseBucket,
  leaseStore,
  jetstream,
  jetstreamManager,
  openBatchConsumer,
  publishJson,
  streamInfo,
  NATS_USERS,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type NatsUser,
} from '../../adapters/nats/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { startTestJetStream, startTestNats, type TestNats } from '../helpers/nats-server.ts';

const s = suite('nats users and permissions (nats.conf)');
let t: TestNats;
let js: JetStreamClient;
let jsm: JetStreamManager;
/** one JetStream client and manager per nats.conf user */
const as: Partial<Record<NatsUser, { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager; violations: string[] }>> = {};
const user = (u: NatsUser) => as[u]!;

s.before(async () => {
  ({ t, js, jsm } = await startTestJetStream());
  for (const u of NATS_USERS) {
    const nc = await t.connect(u);
    const violations: string[] = [];
    // The server's `-ERR 'Permissions Violation …'` for a plain publish (a pull request) arrives
    // as an async status event of the connection, not as the fetch's rejection.
    void (async () => {
      for await (const st of nc.status()) if (st.type === 'error' && st.error instanceof PermissionViolationError) violations.push(st.error.message);
    })();
    as[u] = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc), violations };
  }
  await publishJson(user('ingest').js, 'raw.tv.AAPL', 'keep-1', { price: 1 });
  await publishJson(js, 'signals.AAPL', 'sig-0', { score: 75 });
  await publishJson(js, 'scores.AAPL.1m', 'score-0', { score: 40 });
  await publishJson(user('gateway').js, 'orders.approved.AAPL', 'approved-0', { orderId: 'o-0' });
  // a durable consumer on approved orders only, created by admin (the topology's own
  // execution-gateway consumer reads the whole ORDERS stream)
  await user('admin').jsm.consumers.add('ORDERS', { durable_name: 'approved-reader', ack_policy: AckPolicy.Explicit, filter_subject: 'orders.approved.>' });
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

/** The server refused it as a permissions violation (not a JetStream answer, not a timeout). */
async function refusedByServer(p: Promise<unknown>, what: string): Promise<void> {
  const err = await rejection(p);
  const byPermission = causeChain(err).some((e) => e instanceof PermissionViolationError) || (isFakeoutError(err) && err.info.reason === 'permission');
  assert.ok(byPermission, `${what}: refused by the server's permissions, got ${String(err)}`);
}

const DATA_SUBJECTS = ['raw.tv.AAPL', 'bars.AAPL.1m', 'features.AAPL.1m', 'scores.AAPL.1m', 'signals.AAPL', 'orders.intent.AAPL', 'orders.approved.AAPL', 'fills.AAPL', 'positions.AAPL', 'audit.test', 'risk.trip.clock', 'risk.trip.manual'];
/** Who may publish each data subject; everything else is refused. */
const PUBLISHERS: Record<string, NatsUser[]> = {
  raw: ['ingest'],
  bars: ['pipeline'],
  features: ['pipeline'],
  scores: ['pipeline'],
  signals: ['pipeline'],
  orders: ['gateway'],
  fills: ['gateway'],
  positions: ['gateway'],
  audit: ['gateway'],
  // monitors in either process may trip the breaker; only the gateway's approval surface as a person
  'risk.trip.clock': ['pipeline', 'gateway'],
  'risk.trip.manual': ['gateway'],
};

s('each user may publish exactly the data subjects nats.conf grants it, and the server refuses the rest', async () => {
  for (const u of NATS_USERS) {
    for (const subject of DATA_SUBJECTS) {
      const allowed = (PUBLISHERS[subject] ?? PUBLISHERS[subject.split('.')[0]!]!).includes(u);
      const publish = publishJson(user(u).js, subject, `${u}-${subject}`, { by: u });
      if (allowed) assert.is((await publish).duplicate, false, `${u} may publish ${subject}`);
      else await refusedByServer(publish, `${u} publishing ${subject}`);
    }
  }
});

s('ops cannot publish anything, and nothing it tried was stored', async () => {
  const before = await Promise.all(['RAW', 'SIGNALS', 'ORDERS'].map((st) => streamInfo(jsm, st)));
  for (const subject of DATA_SUBJECTS) await refusedByServer(publishJson(user('ops').js, subject, `ops-again-${subject}`, {}), `ops publishing ${subject}`);
  assert.equal(await Promise.all(['RAW', 'SIGNALS', 'ORDERS'].map((st) => streamInfo(jsm, st))), before);
});

s('only gateway can consume orders.approved.*: it fetches and acks; pipeline, ingest and ops are refused', async () => {
  for (const u of ['pipeline', 'ingest'] as const) {
    const c = openBatchConsumer(user(u).js, user(u).jsm, 'ORDERS', 'approved-reader').then((c) => c.fetchBatch(10, 500));
    await refusedByServer(c, `${u} reading approved orders`);
  }
  // ops may look at the consumer's info, but its pull request is refused by the server
  const opsConsumer = await openBatchConsumer(user('ops').js, user('ops').jsm, 'ORDERS', 'approved-reader');
  const got = await opsConsumer.fetchBatch(10, 500).catch(() => []);
  assert.equal(got, [], 'ops got no approved order');
  assert.ok(
    user('ops').violations.some((v) => v.includes('$JS.API.CONSUMER.MSG.NEXT.ORDERS.approved-reader')),
    `the server reported ops' pull as a permissions violation: ${JSON.stringify(user('ops').violations)}`,
  );
  const c = await openBatchConsumer(user('gateway').js, user('gateway').jsm, 'ORDERS', 'approved-reader');
  const batch = await c.fetchBatch(10, 1_000);
  assert.equal(batch.map((m) => m.value), [{ orderId: 'o-0' }, { by: 'gateway' }]);
  for (const m of batch) m.ack();
});

s('ingest cannot read orders or signals, not even a stored message by sequence', async () => {
  for (const stream of ['ORDERS', 'SIGNALS']) {
    await refusedByServer(user('ingest').jsm.streams.getMessage(stream, { seq: 1 }), `ingest reading ${stream} by sequence`);
    await refusedByServer(user('ingest').jsm.consumers.add(stream, { durable_name: `ingest-${stream}`, ack_policy: AckPolicy.Explicit }), `ingest creating a consumer on ${stream}`);
  }
});

s('ingest reads RAW\'s newest message on a subject (the bar clock) and nothing else: not a consumer on RAW', async () => {
  const m = await user('ingest').jsm.streams.getMessage('RAW', { last_by_subj: 'raw.tv.>' });
  assert.ok(m !== null && m.subject.startsWith('raw.tv.'), 'the newest raw.tv message');
  await refusedByServer(user('ingest').jsm.consumers.add('RAW', { durable_name: 'ingest-RAW', ack_policy: AckPolicy.Explicit }), 'ingest creating a consumer on RAW');
});

s('ops reads stream and consumer info and a stored message, but cannot create a consumer', async () => {
  const opsJsm = user('ops').jsm;
  assert.ok((await opsJsm.streams.info('RAW')).state.messages >= 1);
  assert.is((await opsJsm.consumers.info('RAW', 'bar-builder')).name, 'bar-builder');
  const stored = await opsJsm.streams.getMessage('RAW', { seq: 1 });
  assert.equal(stored?.json(), { price: 1 });
  await refusedByServer(opsJsm.consumers.add('RAW', { durable_name: 'ops-sneaky', ack_policy: AckPolicy.Explicit }), 'ops creating a consumer');
});

s('gateway reads scored bars through its own order-intake consumer on SCORES and acks them', async () => {
  await user('admin').jsm.consumers.add('SCORES', { durable_name: 'order-intake', ack_policy: AckPolicy.Explicit });
  const c = await openBatchConsumer(user('gateway').js, user('gateway').jsm, 'SCORES', 'order-intake');
  const batch = await c.fetchBatch(10, 1_000);
  assert.ok(batch.length >= 1);
  assert.equal(batch[0]?.value, { score: 40 });
  for (const m of batch) m.ack();
  assert.equal(await c.fetchBatch(10, 500), []);
});

s('pipeline can neither read, ack nor delete the gateway\'s order-intake consumer on SCORES', async () => {
  await refusedByServer(user('pipeline').jsm.consumers.delete('SCORES', 'order-intake'), 'pipeline deleting order-intake');
  // its pull request is refused by the server (reported as a permissions violation), so it gets nothing
  const got = await openBatchConsumer(user('pipeline').js, user('pipeline').jsm, 'SCORES', 'order-intake').then((x) => x.fetchBatch(10, 500)).catch(() => []);
  assert.equal(got, [], 'pipeline got no scored bar from order-intake');
  assert.ok(
    user('pipeline').violations.some((v) => v.includes('$JS.API.CONSUMER.MSG.NEXT.SCORES.order-intake')),
    `the server reported pipeline's pull as a permissions violation: ${JSON.stringify(user('pipeline').violations)}`,
  );
  assert.is((await user('ops').jsm.consumers.info('SCORES', 'order-intake')).name, 'order-intake');
});

s('gateway reads SCORES only through order-intake and no other stream of the pipeline (BARS, SIGNALS)', async () => {
  await user('admin').jsm.consumers.add('SCORES', { durable_name: 'liquidity-monitor', ack_policy: AckPolicy.Explicit });
  await user('admin').jsm.consumers.add('BARS', { durable_name: 'feature-engine', ack_policy: AckPolicy.Explicit });
  await user('admin').jsm.consumers.add('SIGNALS', { durable_name: 'signals-reader', ack_policy: AckPolicy.Explicit });
  for (const [stream, durable] of [['SCORES', 'liquidity-monitor'], ['BARS', 'feature-engine'], ['SIGNALS', 'signals-reader']] as const) {
    const other = openBatchConsumer(user('gateway').js, user('gateway').jsm, stream, durable).then((x) => x.fetchBatch(10, 500));
    await refusedByServer(other, `gateway reading ${stream}.${durable}`);
  }
});

s('nobody but admin can delete or purge a stream: the server refuses the others before the stream sees it', async () => {
  for (const u of ['ingest', 'pipeline', 'gateway', 'ops'] as const) {
    const before = await streamInfo(jsm, 'BARS');
    await refusedByServer(user(u).jsm.streams.purge('BARS'), `${u} purging BARS`);
    await refusedByServer(user(u).jsm.streams.delete('BARS'), `${u} deleting BARS`);
    await refusedByServer(user(u).jsm.streams.deleteMessage('BARS', 1), `${u} deleting a BARS message`);
    await refusedByServer(user(u).jsm.streams.update('RAW', { deny_purge: false, deny_delete: false }), `${u} lifting RAW's locks`);
    await refusedByServer(user(u).jsm.streams.purge('AUDIT'), `${u} purging AUDIT`);
    await refusedByServer(user(u).jsm.streams.delete('AUDIT'), `${u} deleting AUDIT`);
    await refusedByServer(user(u).jsm.streams.deleteMessage('AUDIT', 1), `${u} deleting an AUDIT message`);
    assert.equal(await streamInfo(jsm, 'BARS'), before, `${u}: BARS unchanged`);
  }
  // admin may: so the refusals above are the users', not the stream's
  await user('admin').jsm.streams.purge('BARS');
  assert.is((await streamInfo(jsm, 'BARS')).messages, 0);
});

s('RAW itself refuses to delete a message or purge (JetStream API error), even for admin', async () => {
  const before = await streamInfo(jsm, 'RAW');
  const err = await rejection(user('admin').jsm.streams.deleteMessage('RAW', 1));
  assert.instance(err, JetStreamApiError);
  // 10057 = JSStreamMsgDeleteFailedF, "message delete not permitted" (observed on nats-server 2.9.10)
  assert.is((err as JetStreamApiError).code, 10057);
  assert.instance(await rejection(user('admin').jsm.streams.purge('RAW')), JetStreamApiError);
  assert.equal(await streamInfo(jsm, 'RAW'), before);
});

s('lifting RAW\'s deny_delete/deny_purge is refused for every user; admin reaches the stream, which refuses it too (config update cannot cancel the locks)', async () => {
  const before = await user('admin').jsm.streams.info('RAW');
  for (const u of ['ingest', 'pipeline', 'gateway', 'ops'] as const) {
    await refusedByServer(user(u).jsm.streams.update('RAW', { deny_delete: false }), `${u} lifting RAW's deny_delete`);
    await refusedByServer(user(u).jsm.streams.update('RAW', { deny_purge: false }), `${u} lifting RAW's deny_purge`);
  }
  // admin's request passes the permissions and is answered by JetStream itself
  for (const lift of [{ deny_delete: false }, { deny_purge: false }]) {
    const err = await rejection(user('admin').jsm.streams.update('RAW', lift));
    assert.instance(err, JetStreamApiError, `admin ${JSON.stringify(lift)}: a JetStream answer, not a permissions violation`);
    assert.match((err as Error).message, /can not cancel deny/i);
  }
  const after = await user('admin').jsm.streams.info('RAW');
  assert.is(after.config.deny_delete, true);
  assert.is(after.config.deny_purge, true);
  assert.is(after.state.messages, before.state.messages);
});

s('AUDIT itself refuses to delete a message or purge (JetStream API error), even for admin', async () => {
  // a message so there is something to refuse deleting (the gateway is AUDIT's publisher)
  await publishJson(user('gateway').js, 'audit.test', 'audit-immutable-probe', { by: 'gateway' });
  const before = await streamInfo(jsm, 'AUDIT');
  assert.ok(before.messages > 0, 'AUDIT holds the probe');
  const err = await rejection(user('admin').jsm.streams.deleteMessage('AUDIT', before.lastSeq));
  assert.instance(err, JetStreamApiError);
  assert.is((err as JetStreamApiError).code, 10057);
  assert.instance(await rejection(user('admin').jsm.streams.purge('AUDIT')), JetStreamApiError);
  assert.equal(await streamInfo(jsm, 'AUDIT'), before);
});

s('only gateway writes the gateway lease (KV bucket leases): pipeline, ingest, ops and admin are refused; gateway cannot write the config bucket', async () => {
  await ensureLeaseBucket(user('admin').nc, 4_000);
  const lease = leaseStore(user('gateway').nc, 'perm-test');
  const got = await lease.acquire({ holder: 'perm-test-host:/data', pid: 1, since: 0 });
  assert.ok(got.held, 'gateway creates its lease key');
  const revision = got.held ? got.revision : 0;
  for (const u of ['ingest', 'pipeline', 'ops', 'admin'] as const) {
    // a forged take-over: a put on the key, with and without the holder's revision
    await refusedByServer(publishJson(user(u).js, '$KV.leases.gateway.perm-test', `${u}-lease`, { holder: u }), `${u} writing the lease key`);
    await refusedByServer(publishJson(user(u).js, '$KV.leases.gateway.other', `${u}-lease-new`, { holder: u }), `${u} creating a lease key`);
  }
  const renewed = await lease.renew({ holder: 'perm-test-host:/data', pid: 1, since: 0 }, revision, 2_000);
  assert.is(renewed, revision + 1, 'the holder\'s revision is still the last one: nobody else wrote the key');
  await refusedByServer(publishJson(user('gateway').js, '$KV.config.current', 'gw-config', { version: 99 }), 'gateway writing the governed config');
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
