/**
 * Figure (o): a nats-server restart → every stage resumed. A started app (role all, a fresh
 * Postgres database, no replay: idle stages, as in a quiet market) on a nats-server of its own
 * with the project's nats.conf (`NATS_URL`, as a deployment runs it). Each round stops the server
 * (SIGTERM), keeps it down until every stage has left `running` (each noticed the loss: its
 * machine shows `reconnecting`), starts it again on the same port, store and passwords, and times
 * from the moment the new server answers to the moment every stage machine is `running` again.
 * Goal (issue #9): < 2 s. A stage that crashed instead (a supervisor restart) is counted beside.
 */
import { startApp } from '../../actors/app/app.ts';
import { NATS_CONF } from '../../actors/app/messaging.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { NATS_PASSWORD_ENV, NATS_USERS, startNatsServer, type NatsServerProcess } from '../../adapters/nats/index.ts';
import type { SupervisionEvent } from '../../supervision/index.ts';
import { benchDatabase, benchTempDir, type CleanupStack } from './bench-resources.ts';
import { stagePaths } from './bench-supervisor.ts';

/** Goal for (o): nats-server back → every stage running, ms (printed beside the figure, not asserted). */
export const RESUME_GOAL_MS = 2_000;

export interface NatsRestartBenchResult {
  stages: number;
  /** per round: server stopped → every stage out of running; server ready → every stage running (ms) */
  rounds: { noticedMs: number; resumedMs: number; left: number }[];
  /** workers that stayed `running` while the server was down (timer-driven, nothing to send) */
  unnoticed: string[];
  /** supervision `crashed` events during the rounds (a worker that crashed instead of reconnecting), by path */
  crashes: Record<string, number>;
}

/** how long the server stays down once the first stage noticed: the others notice within it */
const NOTICE_WINDOW_MS = 3_000;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

async function until(what: string, ms: number, check: () => boolean): Promise<number> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`(o) timed out waiting for ${what}`);
    await wait(2);
  }
  return performance.now();
}

export async function benchNatsRestart(cleanup: CleanupStack, rounds: number, say: (line: string) => void): Promise<NatsRestartBenchResult> {
  const db = await benchDatabase(cleanup);
  const store = await benchTempDir(cleanup);
  const dataDir = await benchTempDir(cleanup);
  let server: NatsServerProcess = await startNatsServer({ dataDir: store, configFile: NATS_CONF });
  cleanup.push('stop the (o) nats-server', () => server.stop());
  const passwords = Object.fromEntries(NATS_USERS.map((u) => [NATS_PASSWORD_ENV[u], server.users[u].pass]));
  const env: NodeJS.ProcessEnv = { ...process.env, ...passwords, NATS_URL: server.url, DATABASE_URL: db.url, FAKEOUT_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error' };
  const config = loadConfig(env);
  const events: SupervisionEvent[] = [];
  const app = await startApp({ config, log: createLogger(config.logLevel, process.stderr), replay: [], onSupervision: (e) => events.push(e) });
  cleanup.push('stop the (o) app', () => app.stop());

  const stages = stagePaths(app.tree());
  const state = (path: string) => app.supervisor.get(path)?.getSnapshot().value;
  const allRunning = () => stages.every((p) => state(p) === 'running');
  await until('the stages running at start', 30_000, allRunning);
  const crashesBefore = events.length;
  const out: NatsRestartBenchResult['rounds'] = [];
  const unnoticed = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    await wait(1_000);
    say(`(o) round ${round + 1}/${rounds}: stopping the nats-server…`);
    const stoppedAt = performance.now();
    await server.stop();
    // The stages that consume a stream notice at their next fetch; the timer-driven workers (the
    // audit mirror, the gateway clock, the integrity auditor) only at their next publish, which an
    // idle app may not make while the server is down: they are listed, not waited for.
    await until('the consuming stages to notice the server is gone', 30_000, () => stages.some((p) => state(p) !== 'running'));
    await wait(NOTICE_WINDOW_MS);
    const noticed = stages.filter((p) => state(p) !== 'running');
    const noticedAt = performance.now();
    unnoticed.add(stages.filter((p) => !noticed.includes(p)).join(', '));
    server = await startNatsServer({ dataDir: store, configFile: NATS_CONF, port: server.port, users: server.users });
    const readyAt = performance.now();
    const resumedAt = await until('every stage running again', 60_000, allRunning);
    out.push({ noticedMs: noticedAt - stoppedAt, resumedMs: resumedAt - readyAt, left: noticed.length });
  }
  return { stages: stages.length, rounds: out, unnoticed: [...unnoticed].filter((x) => x !== ''), crashes: countBy(events.slice(crashesBefore).filter((e) => e.type === 'crashed').map((e) => e.path)) };
}

export function natsRestartRows(o: NatsRestartBenchResult, fmt: (x: number, digits?: number) => string): [string, string][] {
  const resumed = o.rounds.map((r) => r.resumedMs);
  return [
    [`(o) nats-server restart → every stage resumed (${o.rounds.length} restarts, ${o.stages} stages, idle app, NATS_URL)`, ''],
    ['down for (until the stages noticed + 3 s), stages out of running', o.rounds.map((r) => `${fmt(r.noticedMs, 0)} ms, ${r.left}/${o.stages}`).join('; ')],
    ['stayed running while down (timer-driven, nothing to send)', o.unnoticed.join(' | ') || 'none'],
    ['RESUME server back → every stage running, per round', `${resumed.map((x) => `${fmt(x, 0)} ms`).join(', ')}  (max ${fmt(Math.max(...resumed), 0)} ms; goal < ${RESUME_GOAL_MS} ms)`],
    ['workers that crashed instead of reconnecting', Object.entries(o.crashes).map(([p, n]) => `${p} ×${n}`).join(', ') || 'none'],
  ];
}
