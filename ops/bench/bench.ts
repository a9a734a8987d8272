/**
 * `npm run bench`: the throughput figures of docs/benchmarks.md, from one run.
 *
 *   (a) ticks/s of a replay file through the whole pipeline (embedded nats-server, fresh Postgres)
 *   (b) raw JetStream publish + consume msgs/s for the same message count on the same server
 *   (c) bars/s of the pure feature + score path over 1,000,000 generated bars
 *   (d) peak RSS of the process, and RSS right after (a)
 *
 * Prints a table to stdout (progress and warnings to stderr) and writes nothing to the repo.
 * Environment: BENCH_FILE (default data/lean_spy_20131007_trade_tick.zip), BENCH_BARS (default
 * 1000000), BENCH_POSTGRES_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres);
 * FAKEOUT_* variables (e.g. FAKEOUT_BATCH_SIZE) reach the pipeline's configuration as usual.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { benchJetStream, type JetStreamBenchResult } from './bench-jetstream.ts';
import { benchPipeline, type PipelineBenchResult } from './bench-pipeline.ts';
import { CleanupStack } from './bench-resources.ts';
import { childPids, totalCpuSeconds } from './cpu-usage.ts';
import { benchScoring, type ScoringBenchResult } from './bench-scoring.ts';

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
  peakRssMiB: { a: number; b: number; c: number };
}

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

function report(m: Machine, a: PipelineBenchResult, b: JetStreamBenchResult, c: ScoringBenchResult, x: Extras): string {
  const tf = Object.entries(a.barsByTimeframe)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const bWall = b.publishSeconds + b.consumeSeconds;
  return (
    table([
      ['=== fakeout benchmark ===', ''],
      ['date', m.date],
      ['machine', `${m.cpus} CPUs (${m.cpuModel}), ${fmt(m.memoryGiB, 1)} GiB`],
      ['node', m.node],
      ['nats-server', m.natsServer],
      ['postgres', m.postgres],
      ['load average (1 min)', `${fmt(m.load[0], 2)} before, ${fmt(m.load[1], 2)} after`],
      ['(a) pipeline: replay → RAW → archiver, bars → features → scores/signals → Postgres', ''],
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
      ['CPU node', secs(a.cpu.node, a.totalSeconds)],
      ['CPU nats-server', secs(a.cpu.natsServer, a.totalSeconds)],
      ['CPU postgres backends', secs(a.cpu.postgres, a.totalSeconds)],
      ['(b) raw JetStream, same server and connection, file storage', ''],
      ['messages', `${fmt(b.messages)} × ${b.bodyBytes} B (a real RAW envelope)`],
      ['publish (pipelined, msgIDs)', `${fmt(b.publishSeconds, 2)} s  (${fmt(b.publishPerSecond)} msgs/s)`],
      ['consume (pull 500, explicit ack)', `${fmt(b.consumeSeconds, 2)} s  (${fmt(b.consumePerSecond)} msgs/s)`],
      ['THROUGHPUT', `${fmt(b.msgsPerSecond)} msgs/s (publish + consume)`],
      ['CPU node', secs(x.cpuB.node, bWall)],
      ['CPU nats-server', secs(x.cpuB.natsServer, bWall)],
      ['ratio (a)/(b)', `${fmt(a.ticksPerSecond / b.msgsPerSecond, 3)}`],
      ['(c) pure FeatureEngine.update + scoreFeatures + toSignal', ''],
      ['bars', `${fmt(c.bars)} over ${c.series} series (seeded random walk)`],
      ['time', `${fmt(c.seconds, 2)} s`],
      ['THROUGHPUT', `${fmt(c.barsPerSecond)} bars/s`],
      ['scores / signals', `${fmt(c.scores)} / ${fmt(c.signals)}`],
      ['(d) memory', ''],
      ['RSS after (a)', `${fmt(a.rssAfterMiB, 1)} MiB`],
      ['peak RSS (maxRSS)', `${fmt(x.peakRssMiB.c, 1)} MiB  (by the end of (a) ${fmt(x.peakRssMiB.a, 1)}, of (b) ${fmt(x.peakRssMiB.b, 1)})`],
    ]) + '\n'
  );
}

async function main(): Promise<void> {
  const file = process.env.BENCH_FILE ?? DEFAULT_FILE;
  const bars = Number(process.env.BENCH_BARS ?? 1_000_000);
  if (!Number.isInteger(bars) || bars <= 0) throw new Error(`BENCH_BARS must be a positive integer, got ${process.env.BENCH_BARS}`);
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
  try {
    say(`(a) replaying ${file} through the pipeline…`);
    const { result: a, app } = await benchPipeline(file, cleanup);
    say(`(a) ${fmt(a.ticksPerSecond)} ticks/s; (b) raw JetStream with ${fmt(a.ticks)} messages…`);
    const peakA = maxRssMiB();
    const { js, jsm } = app.messaging.bus('pipeline');
    const natsPids = childPids('nats-server');
    const natsBefore = totalCpuSeconds(natsPids);
    const nodeBefore = process.cpuUsage();
    const b = await benchJetStream({ nc: app.messaging.connection('pipeline'), js, jsm }, a.ticks);
    const nodeB = process.cpuUsage(nodeBefore);
    const natsAfter = totalCpuSeconds(natsPids);
    const cpuB = {
      node: (nodeB.user + nodeB.system) / 1e6,
      natsServer: natsBefore === undefined || natsAfter === undefined ? undefined : natsAfter - natsBefore,
    };
    const peakB = maxRssMiB();
    say(`(b) ${fmt(b.msgsPerSecond)} msgs/s; stopping the app…`);
    // Stop everything before (c), so that the pure path runs on an otherwise idle machine.
    await cleanup.runAll();
    say(`(c) ${fmt(bars)} bars through the feature + score path…`);
    const c = benchScoring(bars);
    const machine: Machine = {
      date: new Date().toISOString(),
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
      natsServer: natsServerVersion(),
      postgres: a.postgresVersion,
      load: [loadBefore, loadavg()[0] ?? 0],
    };
    process.stdout.write(report(machine, a, b, c, { cpuB, peakRssMiB: { a: peakA, b: peakB, c: maxRssMiB() } }));
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
