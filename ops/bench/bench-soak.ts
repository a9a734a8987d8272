/**
 * Figure (m), the soak: the app as `npm start` runs it (package.json's `start` script, its node
 * flags included), in a process of its own (role all, embedded nats-server, a fresh Postgres
 * database), takes webhook alerts at `rate` a second for `seconds` beside a replay of `replay`.
 * Its RSS is read from /proc/<pid>/status every 5 s and its V8 heap from its own GET /metrics
 * (prom-client's nodejs_heap_size_used_bytes), so what is measured is the app alone: not the load
 * generator, not the bench's bookkeeping (both stay in this process). Until 2026-12-07 the soak
 * ran the app inside the bench process, and its RSS counted the generator's thread with its
 * 120,000 bodies and timings, and (before that) the bench's latency observers.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { benchDatabase, benchTempDir, type CleanupStack } from './bench-resources.ts';
import { stopAll } from './bench-partitions.ts';
import { countStatuses, sendLoad, webhookAlerts, webhookAppEnv } from './bench-webhook.ts';

const REPO = resolve(import.meta.dirname, '../..');
/** Goal for (m): RSS after the warm-up stays within ±10 % of its median. */
export const SOAK_GOAL_BAND = 0.1;
/** The soak's first minutes fill caches, pools and JIT; flatness is judged after them. */
const SOAK_WARMUP_S = 120;
const SAMPLE_EVERY_MS = 5_000;

export interface SoakOptions {
  rate: number;
  seconds: number;
  lanes: number;
  replay: readonly string[];
}

export interface SoakResult extends SoakOptions {
  /** the command the app ran with (package.json's start script) */
  command: string;
  alerts: number;
  statuses: Record<string, number>;
  /** the alerts' 1m bars stored once the pipeline settled (the replay's own bars not counted): every alert should be one */
  bars1m: number;
  /** [seconds since the load began, MiB] while it ran */
  rssMiB: [number, number][];
  heapMiB: [number, number][];
  /** the app's garbage collections while the load ran, by kind (prom-client's nodejs_gc_duration_seconds) */
  gc: Record<string, { count: number; seconds: number }>;
}

export async function benchSoak(cleanup: CleanupStack, opts: SoakOptions, say: (line: string) => void): Promise<SoakResult> {
  const list = webhookAlerts(opts.rate * opts.seconds, opts.lanes);
  const db = await benchDatabase(cleanup);
  const dataDir = await benchTempDir(cleanup);
  const port = await freePort();
  // BENCH_SOAK_COMMAND: another command to soak (e.g. other node flags); default the start script
  const command = process.env.BENCH_SOAK_COMMAND ?? (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const env: NodeJS.ProcessEnv = { ...webhookAppEnv(db.url, dataDir, port), FAKEOUT_REPLAY: opts.replay.map((f) => resolve(REPO, f)).join(',') };
  delete env.NODE_OPTIONS; // the app's flags are the start script's, not the bench's
  // `sh -c` runs the script as npm would; the script execs node, so the pid is the app's.
  const child = spawn('sh', ['-c', command], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'inherit'] });
  cleanup.push('stop the soak app', () => stopAll([child]));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 120_000; ; await wait(200)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`(m) the app exited before it served (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) throw new Error(`(m) the app did not answer ${base}/healthz within 120 s`);
    if ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok) break;
  }
  const rss: [number, number][] = [];
  const heap: [number, number][] = [];
  const t0 = performance.now();
  const sample = async () => {
    const t = (performance.now() - t0) / 1000;
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    if (kib !== undefined) rss.push([t, Number(kib) / 1024]);
    const used = metric(await scrape(base), 'nodejs_heap_size_used_bytes');
    if (used !== undefined) heap.push([t, used / 2 ** 20]);
  };
  const gc0 = gcByKind(await scrape(base));
  await sample();
  const sampler = setInterval(() => void sample().catch(() => undefined), SAMPLE_EVERY_MS);
  say(`(m) ${list.length.toLocaleString('en-US')} alerts at ${opts.rate}/s over ${opts.lanes} symbols → ${base} (pid ${child.pid}: ${command})…`);
  let load;
  try {
    load = await sendLoad(`${base}/webhook/tradingview`, list.map((a) => a.body), opts.rate, opts.lanes);
    await sample();
  } finally {
    clearInterval(sampler);
  }
  const gc1 = gcByKind(await scrape(base));
  const gc = Object.fromEntries(Object.entries(gc1).map(([k, v]) => [k, { count: v.count - (gc0[k]?.count ?? 0), seconds: v.seconds - (gc0[k]?.seconds ?? 0) }]));
  const statuses = countStatuses(load.status);
  say(`(m) every alert answered (${JSON.stringify(statuses)}); waiting for every 1m bar…`);
  const bars1m = await settledCount(db.url, list.length);
  return { ...opts, command, alerts: list.length, statuses, bars1m, rssMiB: rss, heapMiB: heap, gc };
}

/**
 * MiB per minute of the least-squares line through `[seconds, MiB]` points: a leak is a steady
 * climb, a garbage collector's sawtooth is a band around a flat line, and the band alone cannot
 * tell them apart. NaN for fewer than two points.
 */
export function trendPerMinute(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : (60 * sxy) / sxx;
}

/** The largest distance of `values` from their median, as a share of it (NaN when empty). */
export function bandAroundMedian(values: readonly number[]): { median: number; band: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const band = sorted.length === 0 ? Number.NaN : Math.max(median - sorted[0]!, sorted[sorted.length - 1]! - median) / median;
  return { median, band };
}

export function soakRows(w: SoakResult, fmt: (x: number, digits?: number) => string): [string, string][] {
  const { median, band } = bandAroundMedian(w.rssMiB.filter(([t]) => t >= SOAK_WARMUP_S).map(([, m]) => m));
  const everyMinute = w.rssMiB.filter(([t], i) => i === 0 || i === w.rssMiB.length - 1 || Math.floor(t / 60) !== Math.floor(w.rssMiB[i - 1]![0] / 60));
  const heapAfter = w.heapMiB.filter(([t]) => t >= SOAK_WARMUP_S);
  const heapYs = heapAfter.map(([, y]) => y);
  return [
    [`(m) soak: ${fmt(w.rate)} webhook alerts/s for ${fmt(w.seconds / 60, 1)} min plus a replay of ${w.replay.join(', ')} (the app in its own process: \`${w.command}\`, role all, Postgres)`, ''],
    ['alerts / answers', `${fmt(w.alerts)} / ${Object.entries(w.statuses).map(([k, v]) => `${k === '0' ? 'connection error' : k} ${fmt(v)}`).join(', ')}; not a 1m bar ${fmt(Math.max(0, w.alerts - w.bars1m))}`],
    ['RSS curve (s: MiB)', everyMinute.map(([t, m]) => `${fmt(t)}: ${fmt(m)}`).join(', ')],
    ['RSS FLATNESS after the warm-up', `median ${fmt(median)} MiB, band ±${fmt(100 * band, 1)} %  (goal ±${fmt(100 * SOAK_GOAL_BAND)} %, from ${SOAK_WARMUP_S} s on)`],
    ['RSS trend after the warm-up', `${fmt(trendPerMinute(w.rssMiB.filter(([t]) => t >= SOAK_WARMUP_S)), 1)} MiB/min (least squares; a leak climbs, a GC sawtooth stays near 0)`],
    ['heap used after the warm-up', heapYs.length === 0 ? '—' : `min ${fmt(Math.min(...heapYs))} / max ${fmt(Math.max(...heapYs))} MiB, trend ${fmt(trendPerMinute(heapAfter), 1)} MiB/min`],
    ['garbage collection while loaded', Object.entries(w.gc).map(([k, v]) => `${k} ${fmt(v.count)} × = ${fmt(v.seconds, 2)} s`).join(', ') || '—'],
  ];
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise((res) => server.close(res));
  return port;
}

async function scrape(base: string): Promise<string> {
  return fetch(`${base}/metrics`).then((r) => r.text()).catch(() => '');
}

/** The value of an unlabelled sample `name` in Prometheus text. */
export function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** nodejs_gc_duration_seconds count and sum by `kind` label in Prometheus text. */
export function gcByKind(text: string): Record<string, { count: number; seconds: number }> {
  const out: Record<string, { count: number; seconds: number }> = {};
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_(sum|count)\{kind="([a-z]+)"\} ([0-9.e+-]+)$/gm)) {
    const e = (out[m[2]!] ??= { count: 0, seconds: 0 });
    if (m[1] === 'sum') e.seconds = Number(m[3]);
    else e.count = Number(m[3]);
  }
  return out;
}

/** The count of 1m bars once it reaches `want` or stops moving for 10 s (at most 5 minutes). */
async function settledCount(url: string, want: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let last = -1;
    let still = 0;
    for (const deadline = Date.now() + 300_000; Date.now() < deadline; await wait(1_000)) {
      const n = Number((await client.query(`select count(*) as n from bars where timeframe = '1m' and symbol like 'BTC-PERP-%'`)).rows[0].n);
      if (n >= want) return n;
      still = n === last ? still + 1 : 0;
      if (still >= 10) return n;
      last = n;
    }
    return last;
  } finally {
    await client.end();
  }
}
