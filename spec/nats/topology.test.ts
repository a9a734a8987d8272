import { JetStreamApiError } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyTopology,
  jetstream,
  jetstreamManager,
  TOPOLOGY,
  type JetStreamManager,
  type NatsConnection,
  type Topology,
} from '../../adapters/nats/index.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { startTestNats, type TestNats } from '../helpers/nats-server.ts';

const s = suite('nats topology');
let t: TestNats;
let nc: NatsConnection;
let jsm: JetStreamManager;

s.before(async () => {
  t = await startTestNats();
  nc = await t.connect('admin');
  jsm = await jetstreamManager(nc);
});
s.after(async () => {
  await t?.cleanup();
});

const NS_PER_MS = 1_000_000;

s('applies twice without error and leaves one of each stream and consumer', async () => {
  await applyTopology(nc);
  await applyTopology(nc);
  const names: string[] = [];
  for await (const n of jsm.streams.names()) names.push(n);
  assert.equal(names.sort(), ['AUDIT', 'BARS', 'FEATURES', 'ORDERS', 'RAW', 'SCORES', 'SIGNALS']);
  const rawConsumers: string[] = [];
  for await (const c of jsm.consumers.list('RAW')) rawConsumers.push(c.name);
  assert.equal(rawConsumers.sort(), ['bar-builder', 'raw-archiver']);
});

s('re-applying an unchanged topology changes nothing: even the read-only ops user can do it', async () => {
  // ops may read stream/consumer info but not create or update: any write would be refused
  await applyTopology(await t.connect('ops'));
});

s('the read-only ops user cannot apply a topology that needs a change', async () => {
  const changed: Topology = { streams: [{ ...(TOPOLOGY.streams[1] as Topology['streams'][number]), description: 'changed' }], consumers: [] };
  try {
    await applyTopology(await t.connect('ops'), changed);
    assert.unreachable('ops must not update a stream');
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID'), String(err));
  }
});

s('RAW is file-backed, limits-retained, denies delete and purge, dedupes for 2 minutes', async () => {
  const { config } = await jsm.streams.info('RAW');
  assert.equal(config.subjects, ['raw.>']);
  assert.is(config.storage, 'file');
  assert.is(config.retention, 'limits');
  assert.is(config.deny_delete, true);
  assert.is(config.deny_purge, true);
  assert.is(config.duplicate_window, 2 * 60_000 * NS_PER_MS); // 120 s in ns
});

s('RAW ages nothing out and allows no rollup: no age, count or size limit; a Nats-Rollup publish is refused by the server', async () => {
  const { config } = await jsm.streams.info('RAW');
  // the server's "unlimited" is 0 for the age and -1 for the counts (nats-server stream config)
  assert.equal([config.max_age, config.max_msgs, config.max_bytes, config.max_msgs_per_subject], [0, -1, -1, -1]);
  assert.is(Boolean(config.allow_rollup_hdrs), false);
  const js = jetstream(await t.connect('ingest')); // RAW's one publisher (nats.conf)
  const kept = await js.publish('raw.test.ROLLUP', 'first', { msgID: 'rollup-probe-1' });
  const h = headers();
  h.set('Nats-Rollup', 'sub');
  try {
    await js.publish('raw.test.ROLLUP', 'replaces?', { msgID: 'rollup-probe-2', headers: h });
    assert.unreachable('RAW accepted a rollup');
  } catch (err) {
    assert.instance(err, JetStreamApiError, String(err));
    assert.match((err as Error).message, /rollup/i);
  }
  assert.is((await jsm.streams.getMessage('RAW', { seq: kept.seq }))?.string(), 'first', 'the earlier message is still there');
});

s('derived streams allow the server defaults for delete/purge and dedupe for an hour', async () => {
  for (const name of ['BARS', 'FEATURES', 'SCORES', 'SIGNALS']) {
    const { config } = await jsm.streams.info(name);
    assert.equal(config.subjects, [`${name.toLowerCase()}.>`], name);
    assert.is(config.storage, 'file', name);
    assert.is(Boolean(config.deny_purge), false, name);
    assert.is(config.duplicate_window, 3_600_000 * NS_PER_MS, name);
  }
});

s('every pipeline consumer is a durable explicit-ack pull consumer from the start of its stream', async () => {
  const expected: [string, string][] = [
    ['RAW', 'raw-archiver'],
    ['RAW', 'bar-builder'],
    ['BARS', 'feature-engine'],
    ['FEATURES', 'scoring-engine'],
  ];
  for (const [stream, durable] of expected) {
    const { config } = await jsm.consumers.info(stream, durable);
    assert.is(config.durable_name, durable);
    assert.is(config.ack_policy, 'explicit');
    assert.is(config.deliver_policy, 'all');
    assert.is(config.ack_wait, 10_000 * NS_PER_MS);
    assert.is(config.max_ack_pending, 20_000);
    assert.is(config.max_deliver, -1);
    assert.is(config.deliver_subject, undefined, 'pull consumers have no deliver subject');
  }
});

s('a changed declaration updates the stream in place and keeps its messages', async () => {
  const rawBefore = (await jsm.streams.info('RAW')).state.messages;
  await jetstream(await t.connect('ingest')).publish('raw.tv.KEEP', '{}');
  const before = (await jsm.streams.info('BARS')).config.duplicate_window;
  const changed: Topology = {
    streams: TOPOLOGY.streams.map((x) => (x.name === 'BARS' ? { ...x, duplicateWindowMs: 30 * 60_000 } : x)),
    consumers: TOPOLOGY.consumers.map((c) => (c.durable === 'feature-engine' ? { ...c, maxAckPending: 500 } : c)),
  };
  await applyTopology(nc, changed);
  assert.is.not(before, 30 * 60_000 * NS_PER_MS);
  assert.is((await jsm.streams.info('BARS')).config.duplicate_window, 30 * 60_000 * NS_PER_MS);
  assert.is((await jsm.consumers.info('BARS', 'feature-engine')).config.max_ack_pending, 500);
  assert.is((await jsm.streams.info('RAW')).state.messages, rawBefore + 1);
  await applyTopology(nc); // and back
  assert.is((await jsm.consumers.info('BARS', 'feature-engine')).config.max_ack_pending, 20_000);
});

s('a topology that omits a stream or consumer never deletes it', async () => {
  await applyTopology(nc, { streams: TOPOLOGY.streams.filter((x) => x.name !== 'SCORES'), consumers: [] });
  const info = await jsm.streams.info('SCORES');
  assert.is(info.config.name, 'SCORES');
  assert.is((await jsm.consumers.info('RAW', 'bar-builder')).name, 'bar-builder');
});

s.run();
