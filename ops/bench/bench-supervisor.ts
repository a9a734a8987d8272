/**
 * Figure (k): a stage crash → its new incarnation running, through the real supervision tree of
 * a started app (role all, embedded nats-server, a fresh Postgres database, no replay: the stages
 * are idle, as in a quiet market). Each round injects one fault into every stage of the pipeline,
 * execution and monitors groups, one at a time (`supervisor.injectFault`, the path the admin
 * "inject fault" action takes), and times, from the `crashed` supervision event:
 *   - `restarted`: the supervisor started the new incarnation (after its backoff wait, delayMs);
 *   - running: the new incarnation's stage machine reached `running` (its consumers prepared).
 * Rounds are spaced so no group passes its restart intensity (10 restarts in 60 s): a group that
 * gave up would end the figure, not measure it.
 */
import type { AnyActorRef } from 'xstate';
import { findNode, startApp } from '../../actors/app/app.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import { createLogger } from '../../adapters/log/index.ts';
import type { SupervisionEvent, SupervisionNode } from '../../supervision/index.ts';
import { benchDatabase, benchTempDir, type CleanupStack } from './bench-resources.ts';

/** Goal for (k): p99 crash → running, ms (a target printed beside the figure, not an assertion). */
export const RESTART_GOAL_P99_MS = 50;
const GROUPS = ['pipeline', 'execution', 'monitors'] as const;
/** A group's restart intensity window (actors/app/tree.ts) and a margin. */
const ROUND_GAP_MS = 61_000;

export interface SupervisorBenchResult {
  rounds: number;
  stages: string[];
  /** per fault: crash → restarted, the backoff the supervisor waited, crash → running (ms) */
  samples: { path: string; restartedMs: number; delayMs: number; runningMs: number }[];
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stage workers of the pipeline, execution and monitors groups (also (o)'s). */
export function stagePaths(tree: SupervisionNode): string[] {
  return GROUPS.flatMap((g) => findNode(tree, g)?.children?.filter((c) => c.kind === 'worker').map((c) => c.path) ?? []);
}

/** Resolves with performance.now() when `actor`'s snapshot value is 'running' (at once if it is). */
function whenRunning(actor: AnyActorRef, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the new incarnation did not reach running')), timeoutMs);
    const check = (value: unknown) => {
      if (value !== 'running') return false;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve(performance.now());
      return true;
    };
    const sub = actor.subscribe((s: { value: unknown }) => void check(s.value));
    check(actor.getSnapshot().value);
  });
}

export async function benchSupervisor(cleanup: CleanupStack, rounds: number, say: (line: string) => void): Promise<SupervisorBenchResult> {
  const db = await benchDatabase(cleanup);
  const dataDir = await benchTempDir(cleanup);
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, FAKEOUT_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error' };
  delete env.NATS_URL;
  const config = loadConfig(env);
  // High-resolution times taken when the supervisor emits (the events' own `at` is whole ms).
  const seen: { e: SupervisionEvent; t: number }[] = [];
  const app = await startApp({ config, log: createLogger(config.logLevel, process.stderr), replay: [], onSupervision: (e) => seen.push({ e, t: performance.now() }) });
  cleanup.push('stop the supervisor bench app', () => app.stop());
  const next = async (type: SupervisionEvent['type'], path: string, from: number) => {
    for (let i = 0; i < 2_000; i++) {
      const hit = seen.slice(from).find((x) => x.e.type === type && x.e.path === path);
      if (hit) return hit;
      await wait(1);
    }
    throw new Error(`(k) no ${type} event for ${path}`);
  };

  const stages = stagePaths(app.tree());
  const samples: SupervisorBenchResult['samples'] = [];
  for (let round = 0; round < rounds; round++) {
    if (round > 0) {
      say(`(k) round ${round + 1}/${rounds} in ${ROUND_GAP_MS / 1000} s (restart intensity window)…`);
      await wait(ROUND_GAP_MS);
    }
    for (const path of stages) {
      await wait(200); // let the previous restart settle: one fault at a time
      const from = seen.length;
      if (!app.supervisor.injectFault(path, 'bench (k)')) throw new Error(`(k) ${path} is not running`);
      const crashed = await next('crashed', path, from);
      const restarted = await next('restarted', path, from);
      const actor = app.supervisor.get(path);
      if (actor === undefined) throw new Error(`(k) ${path} has no live actor after its restart`);
      const runningAt = await whenRunning(actor, 10_000);
      samples.push({ path, restartedMs: restarted.t - crashed.t, delayMs: restarted.e.delayMs ?? 0, runningMs: runningAt - crashed.t });
    }
  }
  return { rounds, stages, samples };
}

export function supervisorRows(k: SupervisorBenchResult, fmt: (x: number, digits?: number) => string, pct: (xs: number[], q: number) => number): [string, string][] {
  const line = (xs: number[]) => `${fmt(pct(xs, 50), 1)} / ${fmt(pct(xs, 99), 1)} / ${fmt(Math.max(...xs), 1)} ms`;
  const running = k.samples.map((s) => s.runningMs);
  const own = k.samples.map((s) => s.runningMs - s.delayMs);
  return [
    [`(k) supervisor: a stage crash → its new incarnation running (${fmt(k.samples.length)} faults: ${k.rounds} rounds × ${k.stages.length} stages, idle app)`, ''],
    ['backoff waited p50 / p99 / max', line(k.samples.map((s) => s.delayMs))],
    ['crash → restarted p50 / p99 / max', line(k.samples.map((s) => s.restartedMs))],
    ['RESTART crash → running p50 / p99 / max', `${line(running)}  (goal p99 < ${RESTART_GOAL_P99_MS} ms)`],
    ['without the backoff wait p50 / p99 / max', line(own)],
  ];
}
