/**
 * `npm run bench`: the throughput figures of docs/benchmarks.md, from one run.
 *
 *   (a) ticks/s of a replay file through the whole pipeline (embedded nats-server), once on a fresh
 *       Postgres database and once on the embedded PGlite
 *   (b) raw JetStream publish + consume msgs/s for the same message count on the same server
 *   (c) bars/s of the pure feature + score path over 1,000,000 generated bars
 *   (d) peak RSS of the process, and RSS right after (a)
 *   (e) decisions/s of the execution gateway in `live` over a flood of signals (FAKEOUT_ROLE=gateway)
 *   (f) signal → order latency (p50/p95/p99/max) of the gateway, closed loop over the four instruments
 *   (g) in-process backtest bars/s over ~1,000,000 bars, every machine in the loop; (h) the NATS
 *       engine's; (i) a sweep on 1 worker vs one per core (bench-backtest.ts)
 *   (j) webhook alerts at BENCH_WEBHOOK_RATE/s (default 1000) for BENCH_WEBHOOK_SECONDS (default 60):
 *       POST → signal on SIGNALS p50/p99/max against POST → 202 (bench-webhook.ts)
 *   (m) a soak: BENCH_SOAK_RATE alerts/s (default 200) for BENCH_SOAK_SECONDS (default 600) plus a
 *       replay of BENCH_FILE into the app run as `npm start` runs it (or as BENCH_SOAK_COMMAND
 *       says), in its own process, its RSS sampled every 5 s (bench-soak.ts)
 *   (k) a stage crash → its new incarnation running, BENCH_SUPERVISOR_ROUNDS (default 2) faults per
 *       stage a minute apart (bench-supervisor.ts)
 *   (n) pipeline events/s with one pipeline process vs two partitioned ones (FAKEOUT_PARTITION,
 *       real processes; bench-partitions.ts); BENCH_PARTITION_ROWS rows per symbol (default 3000), 0 = skip
 *
 * Prints a table to stdout (progress and warnings to stderr) and writes nothing to the repo.
 * Environment: BENCH_FILE (default data/lean_spy_20131007_trade_tick.zip), BENCH_BARS (default
 * 1000000), BENCH_GATEWAY_SIGNALS (default 3000), BENCH_GATEWAY_ORDERS (default 400),
 * BENCH_POSTGRES_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_BACKTEST_BARS
 * (default 1000000); BENCH_ONLY=NAME runs one group: backtest ((c), (g)–(i)), scoring ((c)), gateway ((e), (f)), webhook ((j)),
 * supervisor ((k)), soak ((m)), pipeline ((a) on Postgres and on PGlite, and (b));
 * FAKEOUT_* variables (e.g. FAKEOUT_BATCH_SIZE) reach the pipeline's configuration as usual.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { nearestRankPercentile } from '../../actors/execution/liquidity.ts';
import { connectNats, jetstream, jetstreamManager } from '../../adapters/nats/index.ts';
import { benchGateway, type GatewayBenchResult } from './bench-gateway.ts';
import { benchJetStream, type JetStreamBenchResult } from './bench-jetstream.ts';
import { startBenchNats } from './bench-nats.ts';
import { benchPipeline, type PipelineBenchResult } from './bench-pipeline.ts';
import { benchRelay, type RelayResult } from './bench-relay.ts';
import { CleanupStack } from './bench-resources.ts';
import { totalCpuSeconds } from './cpu-usage.ts';
import { benchScoring, scoringRows, type ScoringBenchResult } from './bench-scoring.ts';
import { backtestRows, benchBacktest } from './bench-backtest.ts';
import { benchWebhook, webhookRows } from './bench-webhook.ts';
import { benchSoak, soakRows } from './bench-soak.ts';
import { benchSupervisor, supervisorRows } from './bench-supervisor.ts';
import { benchNatsRestart, natsRestartRows } from './bench-nats-restart.ts';
import { benchPartitions } from './bench-partitions.ts';

const DEFAULT_FILE = 'data/lean_spy_20131007_trade_tick.zip';
/** After cleanup nothing should hold the event loop; if something does, exit anyway after this. */
const EXIT_GRACE_MS = 3_000;

interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  natsServer: string;
  postgres: string;
  /** 1-minute load average before the run and after it: anything else busy skews every figure */
  load: [number, number];
}

/** CPU seconds over one phase, per process; and the peak RSS seen by the end of each phase. */
interface Extras {
  cpuB: { node: number; natsServer: number | undefined };
  peakRssMiB: { a: number; b: number; ef: number; c: number };
}

/** The gateway's figures and their same-run baselines on the bench nats-server. */
interface GatewayFigures {
  g: GatewayBenchResult;
  /** raw JetStream publish + consume of as many signals as (e) published */
  floodBase: JetStreamBenchResult;
  /** the two hops with nothing in between, same lanes and rounds as (f) */
  relay: RelayResult;
}

/** Goal for (f), a target to compare against, not an assertion: p99 signal → order under this on 2 cores. */
const LATENCY_GOAL_P99_MS = 250;
/** Goal for (e): decisions/s, the same kind of statement. */
const DECISIONS_GOAL_PER_S = 1_000;
/** Goal for the ratio (a)/(b) of issue #9: the pipeline at half the broker's own publish + consume or better. */
const RATIO_GOAL = 0.5;

const summary = (xs: readonly number[]) => ({
  p50: nearestRankPercentile(xs, 50), p95: nearestRankPercentile(xs, 95), p99: nearestRankPercentile(xs, 99), max: Math.max(...xs),
});

function natsServerVersion(): string {
  try {
    return execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim().replace(/^nats-server:\s*/, '');
  } catch {
    return 'unknown';
  }
}

const mib = (bytes: number) => bytes / 2 ** 20;
const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

function table(rows: [string, string][]): string {
  const w = Math.max(...rows.filter(([, v]) => v !== '').map(([k]) => k.length));
  return rows.map(([k, v]) => (v === '' ? `\n${k}` : `  ${k.padEnd(w)}  ${v}`)).join('\n');
}

const secs = (x: number | undefined, wall: number) => (x === undefined ? 'n/a' : `${fmt(x, 1)} s (${fmt((100 * x) / wall)}% of a core)`);
const maxRssMiB = () => mib(process.resourceUsage().maxRSS * 1024); // maxRSS is in KiB

function gatewayRows({ g, floodBase, relay }: GatewayFigures): [string, string][] {
  const f = g.flood;
  const skipped = Object.entries(f.skipped).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') || 'none';
  const lat = summary(g.loop.latenciesMs);
  const base = summary(relay.latenciesMs);
  const ms = (x: number) => `${fmt(x, 1)} ms`;
  return [
    ['(e) gateway in live: scores → order-intake → execution-gateway (gate, breaker, paper broker) → fills (FAKEOUT_ROLE=gateway)', ''],
    ['signals (flood, 4 instruments)', `${fmt(f.signals)}, each with its signal bar and fill bar`],
    ['decisions', `sent ${fmt(f.sent)} (${fmt(f.fills)} fills), skipped ${skipped}`],
    ['first publish → idle', `${fmt(f.seconds, 2)} s`],
    ...f.stages.map((st): [string, string] => [`stage ${st.name}`, `${fmt(st.batches)} batches, ${fmt(st.seconds, 1)} s in batches (${fmt((1000 * st.seconds) / Math.max(1, st.batches), 1)} ms each)`]),
    ['THROUGHPUT', `${fmt(f.decisionsPerSecond)} decisions/s  (goal ≥ ${fmt(DECISIONS_GOAL_PER_S)})`],
    ['baseline: raw JetStream, signals', `${fmt(floodBase.msgsPerSecond)} msgs/s (${fmt(floodBase.messages)} × ${floodBase.bodyBytes} B, publish + consume, bench server)`],
    ['ratio (e)/baseline', fmt(f.decisionsPerSecond / floodBase.msgsPerSecond, 3)],
    ['(f) signal → order latency, closed loop (4 instruments in lockstep)', ''],
    ['orders', `${fmt(g.loop.orders)} (${fmt(g.loop.rounds)} rounds × ${g.loop.lanes}), each filled and closed before the next round`],
    ['loop', `${fmt(g.loop.seconds, 2)} s  (${fmt(g.loop.ordersPerSecond, 1)} orders/s, signal → sent → fill → closed)`],
    ['LATENCY p50 / p95 / p99 / max', `${ms(lat.p50)} / ${ms(lat.p95)} / ${ms(lat.p99)} / ${ms(lat.max)}  (goal p99 < ${LATENCY_GOAL_P99_MS} ms)`],
    ['baseline: two-hop relay p50 / p95 / p99 / max', `${ms(base.p50)} / ${ms(base.p95)} / ${ms(base.p99)} / ${ms(base.max)}  (${fmt(relay.lanes * relay.rounds)} messages, bench server)`],
    ['ratio p99 (f)/baseline', fmt(lat.p99 / base.p99, 2)],
    ['gate / breaker at the end', `${g.gate} / ${g.breaker}`],
  ];
}

/** (e), (f) and their baselines on the bench server, started once the gateway app has stopped, as (b) is. */
async function runGateway(cleanup: CleanupStack, signals: number, orders: number): Promise<GatewayFigures & { peakEF: number }> {
  say(`(e) ${fmt(signals)} signals through the gateway in live…`);
  const g = await benchGateway(cleanup, { signals, orders });
  say(`(e) ${fmt(g.flood.decisionsPerSecond)} decisions/s; (f) p99 ${fmt(summary(g.loop.latenciesMs).p99, 1)} ms; baselines…`);
  await cleanup.runAll();
  const baseNats = await startBenchNats(cleanup);
  const bnc = await baseNats.connect('fakeout-bench-pipeline');
  const bdeps = { nc: bnc, js: jetstream(bnc), jsm: await jetstreamManager(bnc) };
  const floodBase = await benchJetStream(bdeps, g.flood.signals, g.sampleSignal);
  const relay = await benchRelay(bdeps, g.loop.lanes, g.loop.rounds, g.batchSize, g.sampleSignal);
  const peakEF = maxRssMiB();
  say(`baselines: ${fmt(floodBase.msgsPerSecond)} msgs/s, relay p99 ${fmt(summary(relay.latenciesMs).p99, 1)} ms; stopping…`);
  return { g, floodBase, relay, peakEF };
}

/** The rows of one (a) run; `engine` names the database it wrote to. */
function pipelineRows(a: PipelineBenchResult, b: JetStreamBenchResult): [string, string][] {
  const tf = Object.entries(a.barsByTimeframe)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const db = a.engine === 'postgres' ? `Postgres ${a.postgresVersion} (fresh database)` : `embedded ${a.postgresVersion} (the default)`;
  return [
    [`(a) pipeline on ${a.engine}: replay → RAW → archiver, bars → features → scores/signals → ${db}`, ''],
    ['file', a.file],
    ['ticks published', fmt(a.ticks)],
    ['replay done (RAW acked)', `${fmt(a.replaySeconds, 2)} s  (${fmt(a.ticks / a.replaySeconds)} ticks/s)`],
    ['start → idle', `${fmt(a.totalSeconds, 2)} s`],
    ['THROUGHPUT', `${fmt(a.ticksPerSecond)} ticks/s`],
    ['stored', `raw ${fmt(a.rawEvents)}, bars ${fmt(a.bars)} (${tf}), scores ${fmt(a.scores)}, signals ${fmt(a.signals)}`],
    ['batch size', String(a.batchSize)],
    ...a.stages.map(
      (st): [string, string] => [`stage ${st.name}`, `${fmt(st.batches)} batches, ${fmt(st.seconds, 1)} s in batches (${fmt((1000 * st.seconds) / Math.max(1, st.batches), 1)} ms each)`],
    ),
    ['CPU node', secs(a.cpu.node, a.totalSeconds) + (a.engine === 'pglite' ? ', PGlite included' : '')],
    ['CPU nats-server', secs(a.cpu.natsServer, a.totalSeconds)],
    ['CPU postgres backends', a.engine === 'pglite' ? 'n/a (in the node process)' : secs(a.cpu.postgres, a.totalSeconds)],
    [`RATIO (a) ${a.engine} / (b)`, `${fmt(a.ticksPerSecond / b.msgsPerSecond, 3)}  (goal ≥ ${RATIO_GOAL})`],
  ];
}

function baselineRows(b: JetStreamBenchResult, x: Pick<Extras, 'cpuB'>): [string, string][] {
  const bWall = b.publishSeconds + b.consumeSeconds;
  return [
    ['(b) raw JetStream, bench nats-server, pipeline client options, file storage', ''],
    ['messages', `${fmt(b.messages)} × ${b.bodyBytes} B (a real RAW envelope)`],
    ['publish (pipelined, msgIDs)', `${fmt(b.publishSeconds, 2)} s  (${fmt(b.publishPerSecond)} msgs/s)`],
    ['consume (pull 500, explicit ack)', `${fmt(b.consumeSeconds, 2)} s  (${fmt(b.consumePerSecond)} msgs/s)`],
    ['THROUGHPUT', `${fmt(b.msgsPerSecond)} msgs/s (publish + consume)`],
    ['CPU node', secs(x.cpuB.node, bWall)],
    ['CPU nats-server', secs(x.cpuB.natsServer, bWall)],
  ];
}

function header(m: Machine): [string, string][] {
  return [
    ['date', m.date],
    ['machine', `${m.cpus} CPUs (${m.cpuModel}), ${fmt(m.memoryGiB, 1)} GiB`],
    ['node', m.node],
    ['nats-server', m.natsServer],
    ['postgres', m.postgres],
    ['load average (1 min)', `${fmt(m.load[0], 2)} before, ${fmt(m.load[1], 2)} after`],
  ];
}

function report(m: Machine, p: Pipelines, c: ScoringBenchResult, x: Extras, gw: GatewayFigures): string {
  return (
    table([
      ['=== fakeout benchmark ===', ''],
      ...header(m),
      ...pipelineRows(p.postgres, p.b),
      ...pipelineRows(p.pglite, p.b),
      ...baselineRows(p.b, x),
      ...scoringRows(c, fmt),
      ['(d) memory', ''],
      ['RSS after (a) on postgres', `${fmt(p.postgres.rssAfterMiB, 1)} MiB`],
      ['peak RSS (maxRSS)', `${fmt(x.peakRssMiB.c, 1)} MiB  (by the end of (a) ${fmt(x.peakRssMiB.a, 1)}, of (b) ${fmt(x.peakRssMiB.b, 1)}, of (e, f) ${fmt(x.peakRssMiB.ef, 1)})`],
      ...gatewayRows(gw),
    ]) + '\n'
  );
}

/** (a) on Postgres, then (a) on PGlite, then (b) for as many messages as (a) published, each on a server of its own. */
interface Pipelines {
  postgres: PipelineBenchResult;
  pglite: PipelineBenchResult;
  b: JetStreamBenchResult;
  cpuB: Extras['cpuB'];
  peakA: number;
  peakB: number;
}

async function runPipelines(file: string, cleanup: CleanupStack): Promise<Pipelines> {
  say(`(a) replaying ${file} through the pipeline on Postgres…`);
  const { result: postgres, app } = await benchPipeline(file, cleanup, 'postgres');
  // (b)'s message: RAW's first envelope, read as the read-only ops user (MSG.GET)
  const ops = app.messaging.embedded!.credentials('ops');
  const opsNc = await connectNats({ servers: app.messaging.embedded!.url, user: ops.user, pass: ops.pass, name: 'fakeout-bench-ops' });
  const rawInfo = await (await jetstreamManager(opsNc)).streams.info('RAW');
  const first = await (await jetstreamManager(opsNc)).streams.getMessage('RAW', { seq: Math.max(1, rawInfo.state.first_seq) });
  await opsNc.close();
  if (first === null) throw new Error('RAW is empty after (a)');
  const envelope = first.json<unknown>();
  await cleanup.runAll();
  say(`(a) postgres ${fmt(postgres.ticksPerSecond)} ticks/s; (a) again on embedded PGlite…`);
  const { result: pglite } = await benchPipeline(file, cleanup, 'pglite');
  const peakA = maxRssMiB();
  say(`(a) pglite ${fmt(pglite.ticksPerSecond)} ticks/s; stopping the app; (b) raw JetStream with ${fmt(postgres.ticks)} messages…`);
  await cleanup.runAll();

  const benchNats = await startBenchNats(cleanup);
  const nc = await benchNats.connect('fakeout-bench-pipeline');
  const deps = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
  const natsPids = [benchNats.pid];
  const natsBefore = totalCpuSeconds(natsPids);
  const nodeBefore = process.cpuUsage();
  const b = await benchJetStream(deps, postgres.ticks, envelope);
  const nodeB = process.cpuUsage(nodeBefore);
  const natsAfter = totalCpuSeconds(natsPids);
  const cpuB = {
    node: (nodeB.user + nodeB.system) / 1e6,
    natsServer: natsBefore === undefined || natsAfter === undefined ? undefined : natsAfter - natsBefore,
  };
  const peakB = maxRssMiB();
  say(`(b) ${fmt(b.msgsPerSecond)} msgs/s; ratios ${fmt(postgres.ticksPerSecond / b.msgsPerSecond, 3)} (postgres), ${fmt(pglite.ticksPerSecond / b.msgsPerSecond, 3)} (pglite)`);
  await cleanup.runAll();
  return { postgres, pglite, b, cpuB, peakA, peakB };
}

function machineInfo(p: Pipelines, loadBefore: number): Machine {
  return {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    natsServer: natsServerVersion(),
    postgres: p.postgres.postgresVersion,
    load: [loadBefore, loadavg()[0] ?? 0],
  };
}

/** A positive integer from the environment, or the default. */
function positiveInt(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return n;
}

async function main(): Promise<void> {
  const file = process.env.BENCH_FILE ?? DEFAULT_FILE;
  const bars = positiveInt('BENCH_BARS', 1_000_000);
  const gatewaySignals = positiveInt('BENCH_GATEWAY_SIGNALS', 3_000);
  const gatewayOrders = positiveInt('BENCH_GATEWAY_ORDERS', 400);
  const cleanup = new CleanupStack();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const loadBefore = loadavg()[0] ?? 0;
  const backtestBars = positiveInt('BENCH_BACKTEST_BARS', 1_000_000);
  const webhookOpts = { rate: positiveInt('BENCH_WEBHOOK_RATE', 1_000), seconds: positiveInt('BENCH_WEBHOOK_SECONDS', 60), lanes: positiveInt('BENCH_WEBHOOK_SYMBOLS', 100) };
  const supervisorRounds = positiveInt('BENCH_SUPERVISOR_ROUNDS', 2);
  const restartRounds = positiveInt('BENCH_RESTART_ROUNDS', 3);
  const pct = (xs: number[], q: number) => (xs.length === 0 ? Number.NaN : nearestRankPercentile(xs, q));
  const soakOpts = { rate: positiveInt('BENCH_SOAK_RATE', 200), seconds: positiveInt('BENCH_SOAK_SECONDS', 600), lanes: 100, replay: [process.env.BENCH_FILE ?? DEFAULT_FILE] };
  // BENCH_ONLY=<name>: one figure (or group) on its own, with the machine's load beside it.
  const only: Record<string, () => Promise<[string, string][]>> = {
    scoring: async () => scoringRows(benchScoring(bars), fmt),
    backtest: async () => {
      const c = benchScoring(bars);
      const bt = await benchBacktest(cleanup, backtestBars, say);
      return [['(c) pure feature + score path', `${fmt(c.barsPerSecond)} bars/s over ${fmt(c.bars)} bars`], ...backtestRows(bt, c.barsPerSecond, fmt)];
    },
    webhook: async () => webhookRows(await benchWebhook(cleanup, webhookOpts, say), fmt),
    supervisor: async () => supervisorRows(await benchSupervisor(cleanup, supervisorRounds, say), fmt, pct),
    gateway: async () => {
      const gf = await runGateway(cleanup, gatewaySignals, gatewayOrders);
      return gatewayRows(gf);
    },
    restart: async () => natsRestartRows(await benchNatsRestart(cleanup, restartRounds, say), fmt),
    soak: async () => soakRows(await benchSoak(cleanup, soakOpts, say), fmt),
    pipeline: async () => {
      const p = await runPipelines(file, cleanup);
      return [...header(machineInfo(p, loadBefore)).filter(([k]) => !['date', 'node', 'load average (1 min)'].includes(k)), ...pipelineRows(p.postgres, p.b), ...pipelineRows(p.pglite, p.b), ...baselineRows(p.b, p)];
    },
  };
  const one = process.env.BENCH_ONLY;
  if (one !== undefined) {
    const run = only[one];
    if (run === undefined) throw new Error(`BENCH_ONLY must be one of ${Object.keys(only).join(', ')}; got ${one}`);
    try {
      const rows = await run();
      process.stdout.write(table([[`=== fakeout benchmark (${one} only) ===`, ''], ['date', new Date().toISOString()], ['node', process.version], ['load average (1 min)', `${fmt(loadBefore, 2)} before, ${fmt(loadavg()[0] ?? 0, 2)} after`], ...rows]) + '\n');
    } finally {
      await cleanup.runAll();
    }
    return;
  }
  try {
    const p = await runPipelines(file, cleanup);
    const gf = await runGateway(cleanup, gatewaySignals, gatewayOrders);
    const { g, floodBase, relay, peakEF } = gf;
    // Stop everything before (c), so that the pure path runs on an otherwise idle machine.
    await cleanup.runAll();
    say(`(c) ${fmt(bars)} bars through the feature + score path…`);
    const c = benchScoring(bars);
    const bt = await benchBacktest(cleanup, backtestBars, say);
    await cleanup.runAll();
    const w = await benchWebhook(cleanup, webhookOpts, say);
    await cleanup.runAll();
    const k = await benchSupervisor(cleanup, supervisorRounds, say);
    await cleanup.runAll();
    const o = await benchNatsRestart(cleanup, restartRounds, say);
    await cleanup.runAll();
    say(`(m) soak: ${soakOpts.rate} alerts/s for ${soakOpts.seconds} s plus a replay…`);
    const m = await benchSoak(cleanup, soakOpts, say);
    const machine = machineInfo(p, loadBefore);
    const extras = { cpuB: p.cpuB, peakRssMiB: { a: p.peakA, b: p.peakB, ef: peakEF, c: maxRssMiB() } };
    process.stdout.write(report(machine, p, c, extras, { g, floodBase, relay }));
    process.stdout.write(table(backtestRows(bt, c.barsPerSecond, fmt)) + '\n');
    process.stdout.write(table(webhookRows(w, fmt)) + '\n');
    process.stdout.write(table(supervisorRows(k, fmt, pct)) + '\n');
    process.stdout.write(table(natsRestartRows(o, fmt)) + '\n');
    process.stdout.write(table(soakRows(m, fmt)) + '\n');
    const partitionRows = Number(process.env.BENCH_PARTITION_ROWS ?? 3000);
    if (partitionRows > 0) {
      const j = await benchPartitions(cleanup, partitionRows, say);
      process.stdout.write(table([
        [`(n) ${fmt(j.events)} events, ${j.symbols} symbols, real pipeline processes, one nats-server, one Postgres`, ''],
        ['one pipeline process', `${fmt(j.oneProcess)} events/s`],
        ['two, FAKEOUT_PARTITION=0/2 and 1/2', `${fmt(j.twoProcesses)} events/s`],
        ['ratio two/one', `${fmt(j.ratio, 2)}  (no goal set; above 1 where the second process finds a free core)`],
      ]) + '\n');
    }
  } finally {
    await cleanup.runAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  () => {
    setTimeout(() => {
      say('something still holds the event loop after cleanup; exiting');
      process.exit(0);
    }, EXIT_GRACE_MS).unref();
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
