/**
 * The composition root: opens NATS (embedded or NATS_URL) and Postgres (embedded PGlite or
 * DATABASE_URL), applies the JetStream topology, builds the supervision tree of the role and
 * starts it. Everything here is wiring; the behaviour lives in the actors and machines.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDatabase, type Database } from '../../adapters/db/index.ts';
import { buildHttpServer } from '../../adapters/http/index.ts';
import { acquireDataDirLock, type DataDirLock } from '../../adapters/lock/index.ts';
import { TOPOLOGY } from '../../adapters/nats/index.ts';
import type { Logger } from '../../adapters/log/index.ts';
import { createMetrics, type Metrics } from '../../adapters/metrics/index.ts';
import { systemClock, type Clock } from '../../adapters/time/index.ts';
import { Supervisor, systemDeps, type SupervisionEvent, type SupervisionNode } from '../../supervision/index.ts';
import { rawArchiverStage } from '../archive/index.ts';
import { barBuilderStage } from '../bars/bar-builder.actor.ts';
import type { Config } from '../domain/config.ts';
import { featureEngineStage } from '../features/feature-engine.actor.ts';
import { createAlertIntake } from '../ingest/alert-intake.ts';
import { startReplayActor, type ReplayProgress, type ReplayRequest } from '../ingest/replay.actor.ts';
import { scoringEngineStage } from '../scoring/scoring-engine.actor.ts';
import { validateScoringParams } from '../scoring/score.ts';
import type { Bus } from '../stage/ports.ts';
import { startStageActor, type StageDefinition } from '../stage/stage.actor.ts';
import { openMessaging, type Messaging } from './messaging.ts';
import { startServiceActor } from './service.actor.ts';
import { buildTree } from './tree.ts';
import { loadWebhookSecret } from './webhook-secret.ts';

export interface StartOptions {
  config: Readonly<Config>;
  log: Logger;
  /** files to replay; default: config.replayFiles */
  replay?: readonly ReplayRequest[];
  onReplayProgress?: (p: ReplayProgress) => void;
  clock?: Clock;
  /** called if the root supervisor gives up (restart intensity exceeded at the top) */
  onFatal?: (reason: string) => void;
}

export interface App {
  readonly config: Readonly<Config>;
  readonly log: Logger;
  readonly database: Database;
  readonly bus: Bus;
  readonly messaging: Messaging;
  readonly metrics: Metrics;
  readonly supervisor: Supervisor;
  /** this process's hold on the data directory, released last by stop() */
  readonly dataDirLock: DataDirLock;
  /** `http://host:port` once the HTTP worker listens (role all) */
  httpUrl(): string | undefined;
  tree(): SupervisionNode;
  /** resolves when the replay is finished and every stage consumer has nothing pending */
  waitForIdle(opts?: { timeoutMs?: number; pollMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startApp(opts: StartOptions): Promise<App> {
  const { config, log } = opts;
  const clock = opts.clock ?? systemClock;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const scoring = validateScoringParams({
    wickThreshold: config.wickThreshold,
    volumeThreshold: config.volumeThreshold,
    triggerScore: config.triggerScore,
    targetR: config.targetR,
    stopBufferAtr: config.stopBufferAtr,
  });

  // POLICY: the lock comes before anything else touches the data directory's contents, and goes
  // last. A second fakeout on the same directory must stop here, before it could reap the
  // running one's nats-server or open its PGlite files (adapters/lock, adapters/nats/orphan.ts).
  const dataDirLock = await acquireDataDirLock(dataDir);
  log.info({ lockFile: dataDirLock.file, pid: process.pid }, 'data directory locked');
  const metrics = createMetrics();
  let messaging: Messaging;
  let database: Database;
  try {
    messaging = await openMessaging(config, dataDir, log, dataDirLock);
  } catch (err) {
    dataDirLock.release();
    throw err;
  }
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir });
  } catch (err) {
    await messaging.close();
    dataDirLock.release();
    throw err;
  }
  const { bus } = messaging;
  const db = database.db;
  const stageMetrics = {
    observeBatch(stage: string, seconds: number, c: { processed: number; skipped: number; bad: number }) {
      metrics.stageDuration.observe({ stage }, seconds);
      if (c.processed) metrics.stageMessages.inc({ stage, outcome: 'processed' }, c.processed);
      if (c.skipped) metrics.stageMessages.inc({ stage, outcome: 'skipped' }, c.skipped);
      if (c.bad) metrics.stageMessages.inc({ stage, outcome: 'bad' }, c.bad);
    },
    setPending(consumer: string, pending: number) {
      metrics.consumerPending.set({ consumer }, pending);
    },
  };
  const stageDeps = { bus, db, metrics: stageMetrics, log, batchSize: config.batchSize };
  const stage = <I, O>(def: StageDefinition<I, O>) => ({ id: def.name, start: () => startStageActor(def, stageDeps) });

  let httpUrl: string | undefined;
  const webhookSecret = config.role === 'all' ? loadWebhookSecret(config, dataDir, log) : '';
  const acceptAlert = createAlertIntake({ bus, clock, zone: config.exchangeZone });
  let supervisor!: Supervisor;
  const startHttp = () => {
    const server = buildHttpServer({
      logger: log.child({ actor: 'http' }),
      bodyLimit: config.webhookBodyLimit,
      webhookSecret,
      acceptAlert,
      actorsTree: () => supervisor.tree(),
      metrics,
      beforeMetrics: () => recordActorStates(metrics, supervisor.tree()),
      health: async () => ({ ok: messaging.isConnected(), details: { nats: messaging.isConnected() } }),
    });
    let closed = false;
    let onClose: (reason: string) => void = () => undefined;
    return startServiceActor('http', {
      async start() {
        httpUrl = await server.listen({ host: config.host, port: config.port });
        log.info({ actor: 'http', url: httpUrl }, 'http listening');
      },
      exited: () => new Promise<string>((r) => (onClose = r)),
      async stop() {
        if (closed) return;
        closed = true;
        await server.close();
        onClose('closed');
      },
    });
  };

  const replayFiles = opts.replay ?? config.replayFiles.map((path) => ({ path }));
  const countIngested = (outcome: 'accepted' | 'duplicate' | 'bad_row' | 'rejected', k: number) =>
    metrics.ingested.inc({ source: 'replay', outcome }, k);
  const tree = buildTree(config.role, {
    natsServer: messaging.embedded ? () => startServiceActor('nats-server', messaging.embedded!.hooks()) : undefined,
    stages: [
      stage(rawArchiverStage),
      stage(barBuilderStage(config.timeframes)),
      stage(featureEngineStage({ lookback: config.lookback, atrPeriod: config.atrPeriod })),
      stage(
        scoringEngineStage(scoring, {
          onCommitted: (scores, signals) => {
            if (scores) metrics.scores.inc(scores);
            if (signals) metrics.signals.inc(signals);
          },
        }),
      ),
    ],
    http: startHttp,
    replay:
      replayFiles.length > 0
        ? () => startReplayActor({ bus, db, clock, log, files: replayFiles, zone: config.exchangeZone, countIngested, onProgress: opts.onReplayProgress })
        : undefined,
  });

  const listener = (e: SupervisionEvent) => {
    metrics.supervisionEvents.inc({ type: e.type });
    const actor = e.path.split('/').pop() ?? e.path;
    if (e.type === 'restarted') metrics.actorRestarts.inc({ actor });
    const line = { actor, path: e.path, event: e.type, reason: e.reason, restarts: e.restarts, delayMs: e.delayMs };
    if (e.type === 'crashed' || e.type === 'escalated') log.warn(line, `supervision: ${e.type}`);
    else log.info(line, `supervision: ${e.type}`);
  };
  supervisor = new Supervisor(tree, systemDeps(listener, { onRootFailure: (reason: string) => opts.onFatal?.(reason) }));
  try {
    await supervisor.start();
    await untilStarted(supervisor, clock, 60_000);
  } catch (err) {
    await supervisor.stop().catch(() => undefined);
    await messaging.close();
    await database.close();
    dataDirLock.release();
    throw err;
  }

  const waitForIdle: App['waitForIdle'] = async ({ timeoutMs = 600_000, pollMs = 250 } = {}) => {
    const deadline = clock.now() + timeoutMs;
    // Every durable consumer the topology declares is a stage of this pipeline.
    const consumers = await Promise.all(TOPOLOGY.consumers.map((c) => bus.openConsumer(c.stream, c.durable)));
    let idleRounds = 0;
    while (idleRounds < 2) {
      if (clock.now() > deadline) throw new Error(`pipeline not idle after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
      const replay = findNode(supervisor.tree(), 'replay');
      const replayBusy = replay !== undefined && replay.status !== 'stopped';
      let pending = 0;
      for (const c of consumers) {
        try {
          const p = await c.pending();
          pending += p.numPending + p.ackPending;
        } catch {
          // NATS unreachable for a moment (e.g. the embedded server restarting): not idle.
          pending += 1;
        }
      }
      idleRounds = !replayBusy && pending === 0 ? idleRounds + 1 : 0;
    }
  };

  let stopped = false;
  return {
    config,
    log,
    database,
    bus,
    messaging,
    metrics,
    supervisor,
    dataDirLock,
    httpUrl: () => httpUrl,
    tree: () => supervisor.tree(),
    waitForIdle,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await supervisor.stop();
        await messaging.close();
        await database.close();
      } finally {
        dataDirLock.release();
      }
    },
  };
}

export function findNode(node: SupervisionNode, id: string): SupervisionNode | undefined {
  if (node.id === id) return node;
  for (const c of node.children ?? []) {
    const found = findNode(c, id);
    if (found) return found;
  }
  return undefined;
}

/**
 * The supervisor's start() returns once every actor is spawned; each then prepares (listens,
 * loads its checkpoint, binds its consumer) on its own. Callers of startApp want a running
 * system, so wait until no worker is still `starting`.
 */
async function untilStarted(supervisor: Supervisor, clock: Clock, timeoutMs: number): Promise<void> {
  const starting = (n: SupervisionNode): string[] =>
    n.kind === 'worker' ? (n.state === 'starting' || n.status === 'starting' ? [n.path] : []) : (n.children ?? []).flatMap(starting);
  const deadline = clock.now() + timeoutMs;
  for (let left = starting(supervisor.tree()); left.length > 0; left = starting(supervisor.tree())) {
    if (clock.now() > deadline) throw new Error(`actors still starting after ${timeoutMs} ms: ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function recordActorStates(metrics: Metrics, node: SupervisionNode): void {
  if (node.kind === 'worker') {
    const state = typeof node.state === 'string' ? node.state : node.status;
    metrics.setActorState(node.id, state);
  }
  for (const c of node.children ?? []) recordActorStates(metrics, c);
}
