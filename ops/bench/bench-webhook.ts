/**
 * Figure (j): TradingView bar alerts at a sustained rate (default 1,000 a second for 60 s) into a
 * started app (role all: embedded nats-server, a fresh Postgres database, real HTTP on
 * 127.0.0.1), from a bounded open-loop generator in a worker thread (webhook-load.worker.mjs).
 *
 * The alerts are the bundled FTX BTC-PERP 1m bars, replayed as `lanes` symbols (BTC-PERP-00, …)
 * interleaved; a symbol's next alert leaves only once its previous one was answered (as TradingView
 * sends one per symbol per bar), so every symbol's bars arrive in time order. Latency of a signal = the server time
 * its message was stored on SIGNALS − the time its bar's POST left the generator (same host clock).
 * Baseline in the same run: POST → 202 of the same requests (the 202 comes once RAW stored the
 * alert), so the ratio says what the pipeline after RAW adds. "No alert lost": every 202 is a row
 * in raw_events and every alert a 1m bar once the pipeline is idle.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { startApp } from '../../actors/app/app.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import { nearestRankPercentile } from '../../actors/execution/liquidity.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { connectNats, jetstream, jetstreamManager } from '../../adapters/nats/index.ts';
import { startObserver } from './bench-observer.ts';
import { backendPids, benchDatabase, benchTempDir, type CleanupStack } from './bench-resources.ts';
import { childPids, totalCpuSeconds } from './cpu-usage.ts';

const FTX_FILE = resolve(import.meta.dirname, '../../data/nautilus_ftx_btc-perp-20211231-20220201_1m.csv');
const SECRET = 'bench-webhook-secret';
/** Goal for (j): p99 POST → signal on SIGNALS, ms (a target printed beside the figure, not an assertion). */
export const WEBHOOK_GOAL_P99_MS = 20;
/** Keep-alive connections of the generator (at most this many requests in flight). */
const CONNECTIONS = 32;

export interface WebhookBenchResult {
  rate: number;
  seconds: number;
  lanes: number;
  alerts: number;
  /** answers by HTTP status (0 = connection error) */
  statuses: Record<string, number>;
  /** first POST → last answer, s */
  sendSeconds: number;
  accepted: number;
  rawEvents: number;
  bars1m: number;
  /** bar events the bar builder dropped as late (an alert overtaken by a later one of its symbol) */
  late: number;
  signals: number;
  /** stored 1m signals whose SIGNALS message the observer did not see (should be 0) */
  unseen: number;
  /** POST → 202, ms, per accepted alert */
  answerMs: number[];
  /** POST → signal stored on SIGNALS, ms, per 1m signal */
  signalMs: number[];
  /** POST → the alert's 1m bar / features / score stored on BARS / FEATURES / SCORES, ms (every alert: the hops of the signal's path) */
  hopMs: { bars: number[]; features: number[]; scores: number[] };
  /** CPU seconds while the load ran and the pipeline drained: this process (the generator's thread included), its nats-server, the database's backends */
  cpu: { node: number; natsServer: number | undefined; postgres: number | undefined };
  /** the app's event-loop delay while the load ran, ms: p50, p99, max (every stage and the HTTP server share the one loop) */
  loopDelayMs: [number, number, number];
}

/** The streams a 1m bar passes on its way to SIGNALS, observed per alert to split the latency by hop. */
const HOPS = [['bars', 'BARS'], ['features', 'FEATURES'], ['scores', 'SCORES']] as const;

interface Alert {
  symbol: string;
  ts: number;
  body: string;
}

/** `count` TradingView bar alerts, the FTX minutes round-robin over `lanes` symbols (alert i is lane i % lanes). */
export function webhookAlerts(count: number, lanes: number): Alert[] {
  const rows = readFileSync(FTX_FILE, 'utf8').split('\n').slice(1).filter(Boolean);
  const perLane = Math.ceil(count / lanes);
  if (perLane > rows.length) throw new Error(`BENCH_WEBHOOK: ${count} alerts over ${lanes} symbols needs ${perLane} rows; the FTX file has ${rows.length}`);
  const out: Alert[] = [];
  for (let i = 0; i < perLane && out.length < count; i++) {
    const [t, open, high, low, close, volume] = rows[i]!.split(',');
    const ts = Date.parse(`${t!.replace(' ', 'T').slice(0, 23)}Z`);
    for (let l = 0; l < lanes && out.length < count; l++) {
      const symbol = `BTC-PERP-${String(l).padStart(2, '0')}`;
      const body = JSON.stringify({ secret: SECRET, symbol, interval: '1', time: new Date(ts).toISOString(), open: +open!, high: +high!, low: +low!, close: +close!, volume: +volume! });
      out.push({ symbol, ts, body });
    }
  }
  return out;
}

export interface WebhookBenchOptions {
  rate: number;
  seconds: number;
  lanes: number;
}

/** The key of a 1m bar's message on BARS … SIGNALS (`symbol|openTime`), undefined for other timeframes. */
function oneMinute(_subject: string, body: unknown): string | undefined {
  const s = body as { symbol?: string; timeframe?: string; openTime?: number };
  return s.timeframe === '1m' ? `${s.symbol}|${s.openTime}` : undefined;
}

/**
 * The environment of an app that takes the bench's alerts (figures (j) and (m)): its own database,
 * data directory and embedded nats-server (an ambient NATS_URL must not redirect it), the bench's
 * webhook secret, no webhook rate limit, old bars accepted.
 */
export function webhookAppEnv(databaseUrl: string, dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: databaseUrl, FAKEOUT_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    FAKEOUT_WEBHOOK_SECRET: SECRET, FAKEOUT_WEBHOOK_RATE: '0', FAKEOUT_WEBHOOK_MAX_AGE_DAYS: '3650',
    // The bars are 2021–22 minutes sent 50× faster than they happened: the bar clock would close
    // every 5m–1h bucket at its first minute (correct live behaviour, not what this measures).
    FAKEOUT_BAR_CLOCK_TICK: '0',
  };
  delete env.NATS_URL;
  return env;
}

export async function benchWebhook(cleanup: CleanupStack, opts: WebhookBenchOptions, say: (line: string) => void): Promise<WebhookBenchResult> {
  const list = webhookAlerts(opts.rate * opts.seconds, opts.lanes);
  const db = await benchDatabase(cleanup);
  const dataDir = await benchTempDir(cleanup);
  const config = loadConfig(webhookAppEnv(db.url, dataDir, 0));
  // replay: [] — no demo replay beside the alerts (the default replays config.replayFiles)
  const app = await startApp({ config, log: createLogger(config.logLevel, process.stderr), replay: [] });
  cleanup.push('stop the webhook app', () => app.stop());
  const admin = app.messaging.embedded!.credentials('admin');
  const nc = await connectNats({ servers: app.messaging.embedded!.url, user: admin.user, pass: admin.pass, name: 'fakeout-bench-webhook' });
  cleanup.push('close the observer connection', () => nc.close());
  const observer = await startObserver({
    manager: await jetstreamManager(nc), js: jetstream(nc), stream: 'SIGNALS', name: 'bench-webhook-signals',
    keyOf: oneMinute,
  });
  cleanup.push('stop the observer', () => observer.stop());
  const hopObservers = await Promise.all(HOPS.map(async ([, stream]) => {
    const o = await startObserver({ manager: await jetstreamManager(nc), js: jetstream(nc), stream, name: `bench-webhook-${stream.toLowerCase()}`, keyOf: oneMinute });
    cleanup.push(`stop the ${stream} observer`, () => o.stop());
    return o;
  }));

  const url = `${app.httpUrl()!.replace('localhost', '127.0.0.1')}/webhook/tradingview`;
  say(`(j) ${list.length.toLocaleString('en-US')} alerts at ${opts.rate}/s over ${opts.lanes} symbols → ${url}…`);
  const cpuAt = async () => ({ node: process.cpuUsage(), natsServer: totalCpuSeconds(childPids('nats-server')), postgres: totalCpuSeconds(await backendPids(db.name)) });
  const cpu0 = await cpuAt();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const load = await sendLoad(url, list.map((a) => a.body), opts.rate, opts.lanes);
  loopDelay.disable();
  const answered = countStatuses(load.status);
  say(`(j) every alert answered (${JSON.stringify(answered)}); waiting for the pipeline to be idle…`);
  await app.waitForIdle({ timeoutMs: 300_000, pollMs: 200 });
  const cpu1 = await cpuAt();
  const nodeCpu = process.cpuUsage(cpu0.node);
  const minus = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a - b);
  const cpu = { node: (nodeCpu.user + nodeCpu.system) / 1e6, natsServer: minus(cpu1.natsServer, cpu0.natsServer), postgres: minus(cpu1.postgres, cpu0.postgres) };

  const statuses = answered;
  const answerMs = load.status.flatMap((s, i) => (s === 202 ? [load.answeredAt[i]! - load.sentAt[i]!] : []));
  const sentByKey = new Map(list.map((a, i) => [`${a.symbol}|${a.ts}`, load.sentAt[i]!]));
  const rows = await app.database.db
    .selectFrom('signals').select(['symbol', 'open_time']).where('timeframe', '=', '1m').execute();
  const signalMs: number[] = [];
  let unseen = 0;
  for (const r of rows) {
    const key = `${r.symbol}|${Number(r.open_time)}`;
    const sent = sentByKey.get(key);
    if (sent === undefined) continue;
    const at = await observer.storedAt(key, 2_000).catch(() => undefined);
    if (at === undefined) unseen += 1;
    else signalMs.push(at - sent);
  }
  const hopMs = { bars: [] as number[], features: [] as number[], scores: [] as number[] };
  for (const [h, [name]] of HOPS.entries()) {
    for (const [i, a] of list.entries()) {
      if (load.status[i] !== 202) continue;
      const at = await hopObservers[h]!.storedAt(`${a.symbol}|${a.ts}`, 0).catch(() => undefined);
      if (at !== undefined) hopMs[name].push(at - load.sentAt[i]!);
    }
  }
  const count = async (table: string, where = sql`true`) =>
    Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(app.database.db)).rows[0]!.n);
  const late = (await app.metrics.barEvents.get()).values.find((v) => v.labels.outcome === 'late')?.value ?? 0;
  return {
    late,
    rate: opts.rate, seconds: opts.seconds, lanes: opts.lanes, alerts: list.length, statuses,
    sendSeconds: (Math.max(...load.answeredAt) - Math.min(...load.sentAt)) / 1000,
    accepted: statuses['202'] ?? 0,
    rawEvents: await count('raw_events'),
    bars1m: await count('bars', sql`timeframe = '1m'`),
    signals: rows.length,
    unseen,
    answerMs, signalMs, hopMs, cpu,
    loopDelayMs: [loopDelay.percentile(50) / 1e6, loopDelay.percentile(99) / 1e6, loopDelay.max / 1e6],
  };
}

export function webhookRows(w: WebhookBenchResult, fmt: (x: number, digits?: number) => string): [string, string][] {
  const p = (xs: number[], q: number) => (xs.length === 0 ? Number.NaN : nearestRankPercentile(xs, q));
  const line = (xs: number[]) => `${fmt(p(xs, 50), 1)} / ${fmt(p(xs, 99), 1)} / ${fmt(xs.length ? Math.max(...xs) : Number.NaN, 1)} ms`;
  const lost = w.alerts - w.bars1m;
  return [
    [`(j) webhook: ${fmt(w.rate)} alerts/s for ${w.seconds} s over ${w.lanes} symbols → RAW → … → SIGNALS (role all, Postgres)`, ''],
    ['alerts sent', `${fmt(w.alerts)} in ${fmt(w.sendSeconds, 1)} s (${fmt(w.alerts / w.sendSeconds)}/s achieved)`],
    ['answers', Object.entries(w.statuses).map(([k, v]) => `${k === '0' ? 'connection error' : k} ${fmt(v)}`).join(', ')],
    ['stored', `raw ${fmt(w.rawEvents)}, 1m bars ${fmt(w.bars1m)}, 1m signals ${fmt(w.signals)} (${fmt(w.unseen)} not seen on SIGNALS); not a 1m bar ${fmt(Math.max(0, lost))} (dropped late ${fmt(w.late)})`],
    ['baseline: POST → 202 p50 / p99 / max', line(w.answerMs)],
    ['LATENCY POST → signal p50 / p99 / max', `${line(w.signalMs)}  (goal p99 < ${WEBHOOK_GOAL_P99_MS} ms; ${fmt(w.signalMs.length)} signals)`],
    ...HOPS.map(([name, stream]): [string, string] => [`  POST → 1m ${name} on ${stream} p50 / p99 / max`, `${line(w.hopMs[name])}  (${fmt(w.hopMs[name].length)})`]),
    ['CPU per alert (node incl. generator / nats-server / postgres)', [w.cpu.node, w.cpu.natsServer, w.cpu.postgres].map((c) => (c === undefined ? 'n/a' : `${fmt((1e6 * c) / w.alerts)} µs`)).join(' / ')],
    ['event-loop delay p50 / p99 / max (while sending)', `${w.loopDelayMs.map((x) => fmt(x, 1)).join(' / ')} ms`],
    ['ratio p99 signal/202', fmt(p(w.signalMs, 99) / p(w.answerMs, 99), 2)],
  ];
}

export interface LoadResult {
  /** per alert, absolute ms: when its POST left, when its answer came, its status (0 = connection error) */
  sentAt: number[];
  answeredAt: number[];
  status: number[];
}

/**
 * Posts `bodies` to `url` (127.0.0.1 only) at `rate` a second from a worker thread
 * (webhook-load.worker.mjs: open loop, keep-alive, nothing retried; body i is lane i % lanes, one
 * in flight per lane) and resolves once every one is answered or failed.
 */
export async function sendLoad(url: string, bodies: string[], rate: number, lanes: number): Promise<LoadResult> {
  const worker = new Worker(join(import.meta.dirname, 'webhook-load.worker.mjs'), {
    workerData: { url, bodies, rate, connections: CONNECTIONS, lanes },
  });
  try {
    return await new Promise<LoadResult>((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
    });
  } finally {
    await worker.terminate();
  }
}

/** How many answers had each status: `{ "202": 59998, "0": 2 }`. */
export function countStatuses(status: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const st of status) out[String(st)] = (out[String(st)] ?? 0) + 1;
  return out;
}
