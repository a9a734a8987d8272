/**
 * Figure (n): pipeline throughput with one pipeline process against two partitioned ones
 * (FAKEOUT_PARTITION=0/2 and 1/2), as real `fakeout start` processes (FAKEOUT_ROLE=pipeline) on
 * one nats-server with the project's nats.conf and one fresh Postgres database each run.
 *
 * The replay: four symbols, slices of the bundled BTC/USDT 5m file written under four freqtrade
 * pair names, two of each partition (by the partition hash), so the two processes get equal work.
 * In the partitioned run each process replays the files of the *other* partition's symbols, so
 * every event crosses between processes through RAW, as it may in production.
 *
 * Throughput = events ÷ (first event on RAW → every consumer of the run drained, twice in a row,
 * polled as the read-only `ops` user every 100 ms): process start-up is left out of both runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { partitionOfToken } from '../../actors/domain/partition.ts';
import { symbolToken } from '../../actors/domain/messages.ts';
import { topologyFor } from '../../actors/app/roles.ts';
import { connectNats, jetstreamManager, NATS_PASSWORD_ENV, NATS_USERS, startNatsServer } from '../../adapters/nats/index.ts';
import { benchDatabase, benchTempDir, CleanupStack } from './bench-resources.ts';

const REPO = resolve(import.meta.dirname, '../..');
const SOURCE = join(REPO, 'data/nfi_binance_BTC_USDT-5m.json');
const BIN = join(REPO, 'actors/app/fakeout.mjs');
const PAIRS = ['SOL_USDT', 'ADA_USDT', 'BTC_USDT', 'ETH_USDT'];

export interface PartitionBenchResult {
  events: number;
  symbols: number;
  /** events/s with one unpartitioned pipeline process, and with two partitioned ones */
  oneProcess: number;
  twoProcesses: number;
  ratio: number;
}

interface Run {
  seconds: number;
}

export async function benchPartitions(cleanup: CleanupStack, rowsPerSymbol: number, say: (s: string) => void): Promise<PartitionBenchResult> {
  const dir = await benchTempDir(cleanup);
  const rows = JSON.parse(readFileSync(SOURCE, 'utf8')) as unknown[];
  const files = PAIRS.map((pair, i) => {
    const path = join(dir, `${pair}-5m.json`);
    writeFileSync(path, JSON.stringify(rows.slice(i * rowsPerSymbol, (i + 1) * rowsPerSymbol)));
    return { path, partition: partitionOfToken(symbolToken(pair.replace('_', '/')), 2) };
  });
  if (files.filter((f) => f.partition === 0).length !== 2) throw new Error('bench (n): the pairs no longer split 2 / 2 over two partitions');
  const events = PAIRS.length * rowsPerSymbol;
  say(`(n) ${events} events through one pipeline process…`);
  const one = await run(cleanup, [{ replay: files.map((f) => f.path) }], events);
  say(`(n) one process: ${Math.round(events / one.seconds)} events/s; two partitioned processes…`);
  const two = await run(
    cleanup,
    [0, 1].map((i) => ({ partition: `${i}/2`, replay: files.filter((f) => f.partition !== i).map((f) => f.path) })),
    events,
  );
  const oneProcess = events / one.seconds;
  const twoProcesses = events / two.seconds;
  return { events, symbols: PAIRS.length, oneProcess, twoProcesses, ratio: twoProcesses / oneProcess };
}

/** One run on its own server, database and processes, all gone when it returns (or throws). */
async function run(outer: CleanupStack, procs: { partition?: string; replay: string[] }[], events: number): Promise<Run> {
  const cleanup = new CleanupStack();
  // Ctrl-C during the run: the bench's cleanup runs this run's too.
  outer.push('the (n) run', () => cleanup.runAll());
  try {
    return await measure(cleanup, procs, events);
  } finally {
    await cleanup.runAll();
  }
}

async function measure(cleanup: CleanupStack, procs: { partition?: string; replay: string[] }[], events: number): Promise<Run> {
  const store = await benchTempDir(cleanup);
  const server = await startNatsServer({ dataDir: store, configFile: join(REPO, 'nats.conf') });
  cleanup.push('stop the (n) nats-server', () => server.stop());
  const db = await benchDatabase(cleanup);
  const passwords = Object.fromEntries(NATS_USERS.map((u) => [NATS_PASSWORD_ENV[u], server.users[u].pass]));
  const children: ChildProcess[] = [];
  cleanup.push('stop the (n) pipeline processes', () => stopAll(children));
  for (const [i, p] of procs.entries()) {
    const env = {
      ...process.env, ...passwords, NATS_URL: server.url, DATABASE_URL: db.url, FAKEOUT_ROLE: 'pipeline', PORT: '0', LOG_LEVEL: 'warn',
      FAKEOUT_DATA_DIR: join(store, `p${i}`), FAKEOUT_REPLAY: p.replay.join(','), FAKEOUT_BAR_CLOCK_TICK: '0', FAKEOUT_INTEGRITY_EVERY: '0',
      FAKEOUT_WEBHOOK_SECRET: 'bench-secret-0123456789', ...(p.partition === undefined ? {} : { FAKEOUT_PARTITION: p.partition }),
    };
    const child = spawn(process.execPath, [BIN, 'start'], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
  }
  const ops = await connectNats({ servers: server.url, user: 'ops', pass: server.users.ops.pass, name: 'fakeout-bench-n' });
  cleanup.push('close the (n) ops connection', () => ops.close());
  const jsm = await jetstreamManager(ops);
  const consumers = procs.flatMap((p) => topologyFor('pipeline', undefined, undefined, p.partition === undefined ? undefined : parse(p.partition)).consumers);
  const deadline = Date.now() + 600_000;
  const poll = async () => {
    if (Date.now() > deadline) throw new Error('(n) the pipeline did not drain within 10 minutes');
    for (const c of children) if (c.exitCode !== null) throw new Error(`(n) a pipeline process exited (${c.exitCode})`);
    await new Promise((r) => setTimeout(r, 100));
  };
  const rawCount = async () => (await jsm.streams.info('RAW').catch(() => undefined))?.state.messages ?? 0;
  while ((await rawCount()) === 0) await poll();
  const started = performance.now();
  let idle = 0;
  while (idle < 2) {
    await poll();
    let pending = (await rawCount()) < events ? 1 : 0;
    for (const c of consumers) {
      const info = await jsm.consumers.info(c.stream, c.durable).catch(() => undefined);
      pending += info === undefined ? 1 : info.num_pending + info.num_ack_pending;
    }
    idle = pending === 0 ? idle + 1 : 0;
  }
  return { seconds: (performance.now() - started) / 1000 };
}

function parse(p: string): { index: number; count: number } {
  const [i, n] = p.split('/').map(Number);
  return { index: i!, count: n! };
}

/** SIGTERM each (a pipeline drains and exits 0), SIGKILL after 20 s; by pid, the ones started here only. */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null || c.signalCode !== null) return done();
          const kill = setTimeout(() => c.kill('SIGKILL'), 20_000);
          c.once('close', () => (clearTimeout(kill), done()));
          c.kill('SIGTERM');
        }),
    ),
  );
}
