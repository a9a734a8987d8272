/**
 * FAKEOUT_STREAM_REPLICAS against real servers: a single nats-server refuses more than 1 naming
 * the variable; a 3-node cluster takes 3 (every stream and the config bucket), scales streams made
 * with 1 up to 3 in place keeping their messages, and refuses 5 naming the variable.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JetStreamApiError } from '@nats-io/jetstream';
import { applyTopology, ensureConfigBucket, ensureLeaseBucket, jetstream, jetstreamManager, TOPOLOGY } from '../../adapters/nats/index.ts';
import { replicasRefusal } from '../../adapters/nats/replicas.ts';
import { seedVersion } from '../../actors/config/governed.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { startTestNats } from '../helpers/nats-server.ts';
import { startTestCluster } from '../helpers/nats-cluster.ts';

const s = suite('stream replicas');
const seed = () => seedVersion(loadConfig({}), Date.UTC(2024, 0, 1));

async function refusal(p: Promise<unknown>): Promise<FakeoutError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, FakeoutError);
    return err as FakeoutError;
  }
  throw new Error('expected a refusal');
}

s('a server outside a cluster refuses 3 replicas, naming FAKEOUT_STREAM_REPLICAS, and creates nothing', async () => {
  const t = await startTestNats();
  try {
    const admin = await t.connect('admin');
    const err = await refusal(applyTopology(admin, TOPOLOGY, { replicas: 3 }));
    assert.is(err.code, 'FAKEOUT_ERR_CONFIG_INVALID');
    assert.is(err.info.field, 'FAKEOUT_STREAM_REPLICAS');
    assert.match(err.message, /^FAKEOUT_STREAM_REPLICAS: 3 replicas asked, but the NATS server is not part of a cluster/);
    const jsm = await jetstreamManager(admin);
    assert.equal(await jsm.streams.names().next(), [], 'no stream was created');
    await applyTopology(admin, TOPOLOGY);
    for (const st of TOPOLOGY.streams) assert.is((await jsm.streams.info(st.name)).config.num_replicas, 1, `${st.name}: 1 by default`);
  } finally {
    await t.cleanup();
  }
});

s("the server's own placement refusals are worded with the variable too", () => {
  const placement = new JetStreamApiError({ code: 400, err_code: 10005, description: 'no suitable peers for placement' });
  const err = replicasRefusal(placement, 3, 'RAW')!;
  assert.is(err.info.field, 'FAKEOUT_STREAM_REPLICAS');
  assert.match(err.message, /FAKEOUT_STREAM_REPLICAS: 3 replicas asked, but the server refused stream RAW: no suitable peers/);
  const other = new JetStreamApiError({ code: 400, err_code: 10058, description: 'stream name already in use with a different configuration' });
  assert.is(replicasRefusal(other, 3, 'RAW'), undefined, 'any other refusal is left as it is');
});

s('a 3-node cluster: streams, the config bucket and the lease bucket made with 1 replica are scaled to 3 in place; 5 is refused', async () => {
  const c = await startTestCluster(3);
  try {
    const admin = await c.connect('admin');
    const jsm = await jetstreamManager(admin);
    await applyTopology(admin, TOPOLOGY, { replicas: 1 });
    await ensureConfigBucket(admin, seed, 1);
    await ensureLeaseBucket(admin, 4_000, 1);
    assert.is((await jsm.streams.info('KV_leases')).config.num_replicas, 1);
    await jetstream(await c.connect('pipeline')).publish('bars.BTC-PERP.1m', '{}', { msgID: 'kept' });
    assert.is((await jsm.streams.info('BARS')).config.num_replicas, 1);

    await applyTopology(admin, TOPOLOGY, { replicas: 3 });
    await ensureConfigBucket(admin, seed, 3);
    await ensureLeaseBucket(admin, 4_000, 3);
    for (const st of [...TOPOLOGY.streams.map((x) => x.name), 'KV_config', 'KV_leases']) {
      const info = await jsm.streams.info(st);
      assert.is(info.config.num_replicas, 3, `${st}: 3 replicas`);
    }
    assert.is((await jsm.streams.info('BARS')).state.messages, 1, 'the message written at 1 replica is kept');

    const err = await refusal(applyTopology(admin, { streams: [{ ...TOPOLOGY.streams[0]!, name: 'EXTRA', subjects: ['extra.>'] }], consumers: [] }, { replicas: 5 }));
    assert.is(err.info.field, 'FAKEOUT_STREAM_REPLICAS');
    assert.match(err.message, /^FAKEOUT_STREAM_REPLICAS: 5 replicas asked, but cluster fakeout has 3 servers up/);
  } finally {
    await c.cleanup();
  }
});

s.run();
