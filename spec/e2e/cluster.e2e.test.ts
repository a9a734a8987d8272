/**
 * A 3-node nats-server cluster on loopback, every stream and the config bucket at 3 replicas:
 * the node leading RAW, BARS, SCORES and SIGNALS is SIGKILLed while the stages are mid-way through a
 * replay (its rows all on RAW, the stages publishing), the cluster elects others, the killed node comes
 * back; every bar, score and signal is still exactly what the raw rows make, nothing lost and
 * nothing duplicated, on the streams and in Postgres. The pipeline's connections were on the
 * killed node (NATS_URL names only it; the client learns the other servers from the cluster's
 * gossip, as a client given one seed URL does) and its stages come back through `reconnecting`,
 * none crashing, none restarted by the supervisor.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { SupervisionEvent } from '../../supervision/index.ts';
import { applyTopology, jetstreamManager, streamInfo, type JetStreamManager, type NatsConnection } from '../../adapters/nats/index.ts';
import { TOPOLOGY } from '../../adapters/nats/topology.ts';
import { FeatureEngine } from '../../actors/features/feature-engine.ts';
import { DEFAULT_SCORING_PARAMS, scoreFeatures } from '../../actors/scoring/score.ts';
import type { Bar } from '../../actors/domain/messages.ts';
import { startTestApp, writeFtxSlice } from '../helpers/app.ts';
import { natsPasswordEnv } from '../helpers/nats-server.ts';
import { startTestCluster } from '../helpers/nats-cluster.ts';
import { crashesOf, PIPELINE_STAGES, recordStates } from '../helpers/stage-states.ts';
import { dumpState, expectedBars, expectedSignals, sameBar } from './expected.ts';

const s = suite('NATS cluster: the stream leader killed mid-replay');
const ROWS = 2500;

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // a request to a cluster electing a leader may time out: ask again
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every bar with its features ready, scored by the pure path (score and direction per bar id). */
function expectedScores(bars: Iterable<Bar>): Map<string, { score: number; direction: string | null }> {
  const tf: Record<string, number> = { '1m': 1, '5m': 5, '15m': 15, '1h': 60 };
  const engine = new FeatureEngine({ lookback: 20, atrPeriod: 14 });
  const out = new Map<string, { score: number; direction: string | null }>();
  for (const bar of [...bars].sort((a, b) => a.openTime - b.openTime || tf[a.timeframe]! - tf[b.timeframe]!)) {
    const f = engine.update(bar);
    if (!f) continue;
    const sc = scoreFeatures(f, DEFAULT_SCORING_PARAMS);
    out.set(sc.id, { score: sc.score, direction: sc.direction });
  }
  return out;
}

/** `$JS.API.STREAM.LEADER.STEPDOWN`: the stream's leader hands over to another replica (admin only). */
async function stepDown(nc: NatsConnection, stream: string): Promise<void> {
  await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 5_000 });
}

const leaderOf = async (jsm: JetStreamManager, stream: string) => (await jsm.streams.info(stream)).cluster?.leader;

s('every bar, score and signal survives the leader SIGKILL; the stages reconnect without a restart', async () => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-cluster-e2e-'));
  const c = await startTestCluster(3);
  const events: SupervisionEvent[] = [];
  let t: Awaited<ReturnType<typeof startTestApp>> | undefined;
  try {
    // The topology at 3 replicas, and RAW's leader moved to n1, the node the app will connect to.
    const admin = await c.connect('admin');
    await applyTopology(admin, TOPOLOGY, { replicas: 3 });
    const jsm = await jetstreamManager(admin);
    // Every stream the stages write is led by n1 too, so the kill lands inside the stages' pipelined
    // publishes to BARS, SCORES and SIGNALS (where a batch straddling the election used to be
    // stored out of order and lose 300–500 bars or scores: adapters/nats/ordered-publish.ts).
    for (const stream of ['RAW', 'BARS', 'SCORES', 'SIGNALS']) {
      await until(`${stream} led by n1`, 30_000, async () => {
        const leader = await leaderOf(jsm, stream);
        if (leader === 'n1') return true;
        if (leader !== undefined) await stepDown(admin, stream);
        return false;
      });
    }
    const ledAfter = Date.now() - started;
    const n1 = c.cluster.nodes[0]!;
    const slice = writeFtxSlice(dir, ROWS);
    // FAKEOUT_COMMIT_AHEAD from the environment reaches the app (startTestApp passes only `env`), so
    // `FAKEOUT_COMMIT_AHEAD=2000 npx tsx spec/run.ts cluster` runs this with the commit queue
    t = await startTestApp({
      env: { NATS_URL: `nats://127.0.0.1:${n1.clientPort}`, ...natsPasswordEnv(c.users), FAKEOUT_ROLE: 'pipeline', FAKEOUT_STREAM_REPLICAS: '3', ...(process.env.FAKEOUT_COMMIT_AHEAD ? { FAKEOUT_COMMIT_AHEAD: process.env.FAKEOUT_COMMIT_AHEAD } : {}) },
      replay: [{ path: slice.path, symbol: 'BTC-PERP' }],
      onSupervision: (e) => events.push(e),
    });
    const app = t.app;
    assert.is(app.messaging.connection('pipeline').info?.server_name, 'n1', 'the stages are connected to n1');
    const states = recordStates(() => app.tree());
    const kv = await jsm.streams.info('KV_config');
    assert.is(kv.config.num_replicas, 3, 'the config bucket has 3 replicas');

    // Mid-replay for the stages: every row is on RAW, the stages are under way, publishing.
    const raw = async () => (await sql<{ n: number }>`select count(*)::int as n from raw_events`.execute(app.database.db)).rows[0]!.n;
    await until('every row on RAW, the stages under way', 60_000, async () => (await streamInfo(jsm, 'RAW')).messages >= ROWS && (await raw()) >= 300);
    const before = await raw();
    assert.is(await leaderOf(jsm, 'RAW'), 'n1');
    await c.cluster.kill(0);
    const killedAt = Date.now();
    await until('a new RAW leader', 30_000, async () => ['n2', 'n3'].includes((await leaderOf(jsm, 'RAW')) ?? ''));
    const electedMs = Date.now() - killedAt;
    await c.cluster.start(0);
    await until('n1 current again on RAW', 30_000, async () => {
      const info = await jsm.streams.info('RAW');
      return info.cluster?.replicas?.some((r) => r.name === 'n1' && r.current) === true;
    });
    await app.waitForIdle({ timeoutMs: 120_000 }).catch(async (err: unknown) => {
      // say where it stands: which consumer still holds work
      for (const cs of app.messaging.bus('pipeline').jsm ? ['raw-archiver', 'bar-builder', 'feature-engine', 'scoring-engine', 'liquidity-monitor'] : []) {
        const stream = TOPOLOGY.consumers.find((x) => x.durable === cs)!.stream;
        const ci = await jsm.consumers.info(stream, cs).catch(() => undefined);
        console.log(`  ${cs}: delivered ${ci?.delivered.stream_seq} ack floor ${ci?.ack_floor.stream_seq} pending ${ci?.num_pending} ack pending ${ci?.num_ack_pending} waiting ${ci?.num_waiting} leader ${ci?.cluster?.leader}; states ${states.seen(cs).join(',')}`);
      }
      throw err;
    });
    states.stop();
    assert.ok(before < ROWS, `killed with the stages mid-way (${before} of ${ROWS} rows archived)`);

    // The stages came back through reconnecting; none crashed, none was restarted.
    for (const id of PIPELINE_STAGES) {
      assert.ok(states.seen(id).includes('reconnecting'), `${id} passed through reconnecting (seen: ${states.seen(id).join(', ')})`);
      assert.ok(!states.seen(id).includes('failed'), `${id} never failed`);
    }
    assert.equal(crashesOf(events, PIPELINE_STAGES), [], 'no stage crashed or was restarted');

    // Exactly what the rows make: every bar, score and signal, once in Postgres and once on its stream.
    const state = await dumpState(app);
    const want = expectedBars('BTC-PERP', slice.rows);
    assert.is(state.rawEvents, ROWS, 'every row archived once');
    assert.is((await streamInfo(jsm, 'RAW')).messages, ROWS, 'RAW holds each row once');
    assert.is(state.bars.length, want.size, 'bar count');
    for (const bar of state.bars) assert.ok(sameBar(bar, want.get(bar.id)!), `bar ${bar.id}`);
    assert.is((await streamInfo(jsm, 'BARS')).messages, want.size, 'BARS holds each bar once');
    const scores = expectedScores(want.values());
    assert.is(state.scores.length, scores.size, 'score count');
    for (const sc of state.scores) assert.equal({ score: sc.score, direction: sc.direction }, scores.get(sc.id), `score ${sc.id}`);
    assert.is((await streamInfo(jsm, 'SCORES')).messages, scores.size, 'SCORES holds each score once');
    const signals = expectedSignals(want.values()).map((x) => x.id).sort();
    assert.ok(signals.length >= 3, `the slice has a few signals (${signals.length})`);
    assert.equal(state.signals.map((x) => x.id), signals, 'the expected signals');
    assert.is((await streamInfo(jsm, 'SIGNALS')).messages, signals.length, 'SIGNALS holds as many messages as signals (the leader says)');
    assert.equal([...state.signalMessages].sort(), signals, 'SIGNALS holds each signal once');
    console.log(`  cluster test: ${before}/${ROWS} rows archived at the kill, leaders on n1 after ${ledAfter} ms, new leader after ${electedMs} ms, ${signals.length} signals, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await t?.cleanup();
    await c.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
