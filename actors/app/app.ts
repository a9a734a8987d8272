/**
 * The composition root: opens NATS (embedded or NATS_URL) and Postgres (embedded PGlite or
 * DATABASE_URL), applies the JetStream topology, builds the supervision tree of the role and
 * starts it. Everything here is wiring; the behaviour lives in the actors and machines.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { appendAudit, listMonitorStates, openDatabase, recentSignals, type Database } from '../../adapters/db/index.ts';
import { insertConfigVersion } from '../../adapters/db/config.repo.ts';
import { buildHttpServer, type SignalsRoutesOptions } from '../../adapters/http/index.ts';
import { dashboardOptions } from './dashboard-wiring.ts';
import { openVault, type Vault } from '../../adapters/secrets/index.ts';
import { acquireDataDirLock, type DataDirLock } from '../../adapters/lock/index.ts';
import { startInspectorRelay, type InspectorRelay } from '../../adapters/inspect/inspector-relay.ts';
import { configReader, followStream, leaseStore } from '../../adapters/nats/index.ts';
import { diffParams, governedFromConfig, seedVersion } from '../config/governed.ts';
import type { NatsUser } from '../domain/identities.ts';
import type { ConfigReader } from '../stage/ports.ts';
import type { Logger } from '../../adapters/log/index.ts';
import { createMetrics, type Metrics } from '../../adapters/metrics/index.ts';
import { recordGatewayCommit, recordIntegrityRun, recordMonitorOutputs } from './app-metrics.ts';
export { recordGatewayCommit, recordIntegrityRun, recordMonitorOutputs, tripReasonLabel } from './app-metrics.ts';
import { CorrectedClock, systemClock, type Clock } from '../../adapters/time/index.ts';
import { Supervisor, systemDeps, TransitionLog, type SupervisionEvent, type SupervisionNode } from '../../supervision/index.ts';
import type { Config } from '../domain/config.ts';
import { symbolToken, type Signal } from '../domain/messages.ts';
import { createAlertIntake } from '../ingest/alert-intake.ts';
import type { ReplayProgress, ReplayRequest } from '../ingest/replay.actor.ts';
import { timeLimitsFromConfig } from '../ingest/plausibility.ts';
import { validateScoringParams } from '../scoring/score.ts';
import { startStageActor } from '../stage/stage.actor.ts';
import { NATS_CONF, openMessaging, type Messaging } from './messaging.ts';
import type { ClockFigure, LiveFigures } from '../../adapters/http/dashboard/monitor.routes.ts';
import { orderDecisions } from './order-decisions.ts';
import { entriesFor, hasOrderDecisions, hasWebhookIntake, runsExecution, HTTP_WORKER, topologyFor, usersFor, workerPolicy, type RoleContext } from './roles.ts';
import { startServiceActor } from './service.actor.ts';
import { partitionedBus } from './partition-bus.ts';
import { buildTree, type TreeWorker } from './tree.ts';
import { loadWebhookSecret } from './webhook-secret.ts';
import { createExecutionWiring, withMachines } from '../gateway/execution-wiring.ts';
import { faultSeam, leasedExecution, usesGatewayLease, type LeasedExecution } from './gateway-lease.ts';

export interface StartOptions {
  config: Readonly<Config>;
  log: Logger;
  /** files to replay; default: config.replayFiles */
  replay?: readonly ReplayRequest[];
  onReplayProgress?: (p: ReplayProgress) => void;
  /**
   * every actor's clock; default: one CorrectedClock over the system clock, which the drift
   * monitor corrects (docs/time.md, "The corrected clock"). A given clock is used as it is: it is
   * corrected only if it is itself correctable (a CorrectedClock).
   */
  clock?: Clock;
  /** called if the root supervisor gives up (restart intensity exceeded at the top) */
  onFatal?: (reason: string) => void;
  /** every supervision event (start, crash, restart, escalation), after it is logged and counted */
  onSupervision?: (e: SupervisionEvent) => void;
  /**
   * Backtests only, never from the environment (`fakeout backtest --engine nats`): the gateway
   * approves every gated order and resets a half-open breaker as this simulated person.
   */
  simulatedApprover?: string;
  /**
   * how long an injected fault (supervisor.injectFault) may take to reach a stage's loop before
   * the supervisor forces the crash; default 1 s. Fault tests on a loaded machine give more, so
   * that a slow batch does not turn a fault in the runner's window into a forced one.
   */
  faultTimeoutMs?: number;
}

export interface App {
  readonly config: Readonly<Config>;
  readonly log: Logger;
  readonly database: Database;
  readonly messaging: Messaging;
  readonly metrics: Metrics;
  readonly supervisor: Supervisor;
  /** this process's hold on the data directory, released last by stop() */
  readonly dataDirLock: DataDirLock;
  /** `http://host:port` once the HTTP worker listens (role all) */
  httpUrl(): string | undefined;
  /** the Stately inspector relay when FAKEOUT_INSPECT / `--inspect` is on (README "Stately inspector") */
  readonly inspector: { url: string; viewerUrl: string } | undefined;
  tree(): SupervisionNode;
  /**
   * resolves when the replay is finished and every stage consumer has nothing pending; rejects
   * when the pending count has not changed for timeoutMs (default 600 s) while work remains
   */
  waitForIdle(opts?: { timeoutMs?: number; pollMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startApp(opts: StartOptions): Promise<App> {
  const { config, log } = opts;
  // POLICY: one clock per process, the same instance for every actor and the webhook intake, so
  // the offset the drift monitor accepts is "now" everywhere at once.
  const clock = opts.clock ?? new CorrectedClock(systemClock);
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
  const role = config.role;
  const partition = config.partition;
  const topology = topologyFor(role, undefined, undefined, partition);
  let messaging: Messaging;
  let database: Database;
  try {
    messaging = await openMessaging(config, dataDir, log, {
      users: usersFor(role), topology, lock: dataDirLock, governedSeed: () => seedVersion(config, clock.now()),
      ...(usesGatewayLease(config) ? { leaseTtlMs: config.gatewayLeaseTtlSeconds * 1000 } : {}),
    });
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
  const db = database.db;
  try {
    await mirrorGovernedVersion(db, messaging, config, log);
  } catch (err) {
    await messaging.close();
    await database.close();
    dataDirLock.release();
    throw err;
  }
  let brokerVault: Vault | undefined;
  try {
    brokerVault = openBrokerVault(config, db, clock);
  } catch (err) {
    await messaging.close();
    await database.close();
    dataDirLock.release();
    throw err;
  }
  let inspector: InspectorRelay | undefined;
  if (config.inspect) {
    try {
      inspector = await startInspectorRelay({ port: config.inspectPort });
    } catch (err) {
      await messaging.close();
      await database.close();
      dataDirLock.release();
      throw err;
    }
    log.info({ inspector: inspector.url, viewer: inspector.viewerUrl }, 'Stately inspector relay (loopback only): open the viewer URL in a browser');
  }
  const stageMetrics = {
    observeBatch(stage: string, seconds: number, c: { processed: number; skipped: number; bad: number }) {
      metrics.stageDuration.observe({ stage }, seconds);
      if (c.processed) metrics.stageMessages.inc({ stage, outcome: 'processed' }, c.processed);
      if (c.skipped) metrics.stageMessages.inc({ stage, outcome: 'skipped' }, c.skipped);
      if (c.bad) metrics.stageMessages.inc({ stage, outcome: 'bad' }, c.bad);
    },
    setPending(consumer: string, pending: number) {
      metrics.consumerPending.set({ consumer }, pending);
      pendingByConsumer.set(consumer, pending);
    },
  };
  // the dashboard's System monitor: live figures only this process knows (adapters/http/dashboard/monitor.routes.ts)
  const pendingByConsumer = new Map<string, number>();
  let lastDrift: ClockFigure | null = null;
  const liveFigures = (): LiveFigures => ({ consumers: [...pendingByConsumer].map(([consumer, pending]) => ({ consumer, pending })), clock: lastDrift });

  let httpUrl: string | undefined;
  const intake = hasWebhookIntake(role);
  const webhookSecret = intake ? loadWebhookSecret(config, dataDir, log) : '';
  const timeLimits = timeLimitsFromConfig(config);
  // every publisher of this process: subjects carry their partition's token when partitioned (partition-bus.ts)
  const busOf = (user: NatsUser) => partitionedBus(messaging.bus(user), partition?.count);
  const acceptAlert = intake ? createAlertIntake({ bus: busOf('ingest'), clock, zone: config.exchangeZone, timeLimits, timeframes: config.timeframes, skewAction: config.webhookSkewAction }) : undefined;
  let supervisor!: Supervisor;
  const orders = hasOrderDecisions(role) ? orderDecisions(config, dataDir, clock, db, messaging) : undefined;
  const signalsPort: SignalsRoutesOptions = {
    recent: (q) => recentSignals(db, q),
      // Only a process connected as `pipeline` may follow SIGNALS (nats.conf); others list from the database.
      // Live signals come from the SIGNALS stream, as every hop does; the subject filter is by
      // symbol token, and the symbol check drops another symbol with the same token.
      follow: (q, onSignal, onEnd) =>
        followStream(
          messaging.bus('pipeline').js,
          messaging.bus('pipeline').jsm,
          { stream: 'SIGNALS', ...(q.symbol === undefined ? {} : { filter: `signals.${symbolToken(q.symbol)}` }), ...(q.afterSeq === undefined ? {} : { afterSeq: q.afterSeq }) },
          (m) => {
            const signal = m.value as Signal;
            if (q.symbol === undefined || signal?.symbol === q.symbol) onSignal(m.seq, signal);
          },
          onEnd,
        ),
  };
  const dashboard = dashboardOptions(config, clock, db, orders?.session);
  const startHttp = () => {
    const server = buildHttpServer({
      dashboard: { ...dashboard, signals: signalsPort },
      logger: log.child({ actor: 'http' }),
      bodyLimit: config.webhookBodyLimit,
      webhookSecret,
      acceptAlert,
      webhookAllowIps: config.webhookAllowIps,
      webhookRatePerMinute: config.webhookRatePerMinute,
      trustProxy: config.trustProxy,
      clock,
      actorsTree: () => fullTree(),
      metrics,
      monitors: { list: () => listMonitorStates(db) },
      actorsDashboard: {
        tree: () => transitions.view(fullTree()),
        transitions,
        fault: {
          // the held stages of a gateway under its lease too (they run under a supervisor of their own)
          ...faultSeam(() => supervisor, () => lease),
          now: () => clock.now(),
          audit: (entry) => appendAudit(db, entry),
        },
      },
      dashboardAnalytics: { db, defaultTriggerScore: config.triggerScore },
      dashboardMonitor: { db, listMonitors: () => listMonitorStates(db), thresholds: { slippageRatio: config.breakerSlippageRatio, lowLiquidityShare: config.liquidityAlertShare }, live: liveFigures },
      dashboardSecurity: { db, natsConfPath: NATS_CONF },
      beforeMetrics: () => recordActorStates(metrics, fullTree()),
      health: async () => ({
        ok: messaging.isConnected(),
        // the embedded server's monitoring endpoints (loopback only; README "NATS monitoring")
        details: { nats: messaging.isConnected(), ...(messaging.embedded?.monitorUrl === undefined ? {} : { natsMonitor: messaging.embedded.monitorUrl }) },
      }),
      ...(orders === undefined ? {} : { orders, config: orders.config }),
      signals: signalsPort,
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

  // under a lease each acquisition gets a fresh wiring (its paper broker reads the book as the last holder left it)
  let execution = createExecutionWiring(config, db, clock, opts.simulatedApprover);
  const ctx: RoleContext = {
    config,
    log,
    clock,
    db,
    scoring,
    timeLimits,
    countBarEvents: (outcome, n) => metrics.barEvents.inc({ outcome }, n),
    bus: busOf,
    replayFiles: opts.replay ?? config.replayFiles.map((path) => ({ path })),
    onReplayProgress: opts.onReplayProgress,
    countIngested: (outcome, k) => metrics.ingested.inc({ source: 'replay', outcome }, k),
    brokerVault,
    onMonitorCommitted: (outputs) => recordMonitorOutputs(metrics, outputs),
    onGatewayCommitted: (r) => recordGatewayCommit(metrics, r),
    onDriftVerdict: (v) => {
      metrics.recordClockVerdict(v.kind, v.figures.offsetMs);
      const f = v.figures;
      lastDrift = { verdict: v.kind, offsetMs: f.offsetMs, sinceLastGoodMs: f.sinceLastGoodMs, warnMs: f.warnMs, tripMs: f.tripMs, at: clock.now() };
    },
    onIntegrityRun: (r) => recordIntegrityRun(metrics, r),
    onAuditMirrored: (r) => {
      metrics.auditMirror.set({ figure: 'last_seq' }, r.lastSeq);
      metrics.auditMirror.set({ figure: 'lag' }, r.lag);
      metrics.auditMirror.set({ figure: 'diverged' }, r.diverged ? 1 : 0);
    },
    execution,
    onScored: (scores, signals) => {
      if (scores) metrics.scores.inc(scores);
      if (signals) metrics.signals.inc(signals);
    },
  };
  const roleWorkers = (c: RoleContext): TreeWorker[] => {
    const out: TreeWorker[] = [];
    for (const entry of entriesFor(role, undefined, partition)) {
      let start: TreeWorker['start'] | undefined;
      if (entry.kind === 'stage') {
        const def = entry.stage(c);
        const deps = { bus: busOf(entry.natsUser), db, metrics: stageMetrics, log, batchSize: config.batchSize, commitAhead: config.commitAhead, commitIntervalMs: config.commitIntervalMs, ...governedReaderFor(messaging, entry.natsUser) };
        start = () => startStageActor(def, deps);
      } else {
        start = entry.start(c);
      }
      if (start) out.push({ id: entry.id, group: entry.group, ...workerPolicy(entry), start });
    }
    return out;
  };

  // What the Actors tab shows per actor; on the supervisor's clock, as the events' `at` are.
  const transitions = new TransitionLog({ now: () => supervisorDeps.clock.now() });
  const listener = (e: SupervisionEvent) => {
    transitions.record(e);
    metrics.supervisionEvents.inc({ type: e.type });
    const actor = e.path.split('/').pop() ?? e.path;
    if (e.type === 'restarted') metrics.actorRestarts.inc({ actor });
    const line = { actor, path: e.path, event: e.type, reason: e.reason, restarts: e.restarts, delayMs: e.delayMs };
    if (e.type === 'crashed' || e.type === 'escalated') log.warn(line, `supervision: ${e.type}`);
    else log.info(line, `supervision: ${e.type}`);
    opts.onSupervision?.(e);
  };
  const supervisorDeps = systemDeps(listener, {
    onRootFailure: (reason: string) => opts.onFatal?.(reason),
    faultTimeoutMs: opts.faultTimeoutMs,
    onIncarnation: (path, actor) => {
      transitions.watch(path, actor);
      inspector?.attach(actor);
    },
  });
  // Every process serves /actors, /metrics and /healthz; the webhook only where the role ingests.
  const workers: TreeWorker[] = [{ ...HTTP_WORKER, start: startHttp }];
  let lease: LeasedExecution | undefined;
  if (usesGatewayLease(config)) {
    lease = leasedExecution({
      config, dataDir, clock, log, store: leaseStore(messaging.connection('gateway'), config.gatewayAccount), supervisorDeps,
      heldWorkers: () => {
        execution = createExecutionWiring(config, db, clock, opts.simulatedApprover);
        return roleWorkers({ ...ctx, execution });
      },
    });
    workers.push(lease.worker);
  } else {
    workers.push(...roleWorkers(ctx));
  }
  const tree = buildTree(workers, messaging.embedded ? () => startServiceActor('nats-server', messaging.embedded!.hooks()) : undefined);
  /** the tree of GET /actors: the held stages under the lease worker, the gate and breaker under the gateway */
  const fullTree = () => withMachines(lease?.decorate(supervisor.tree()) ?? supervisor.tree(), execution);
  supervisor = new Supervisor(tree, supervisorDeps);
  try {
    await supervisor.start();
    await untilStarted(supervisor, clock, 60_000);
  } catch (err) {
    await supervisor.stop().catch(() => undefined);
    await inspector?.stop();
    await messaging.close();
    await database.close();
    dataDirLock.release();
    throw err;
  }

  const waitForIdle: App['waitForIdle'] = async ({ timeoutMs = 600_000, pollMs = 250 } = {}) => {
    // POLICY: the limit is on a stall, not on the whole wait: a long replay on a slow machine keeps
    // going as long as something moves (the pending count changes), and a stuck consumer still
    // fails after timeoutMs without any change.
    let deadline = clock.now() + timeoutMs;
    let lastPending = Number.NaN;
    // Every durable consumer of the role's topology is one of its stages.
    // each consumer read as the user of the stage that owns it (the pipeline user may not look at ORDERS)
    const fallback = messaging.users.includes('pipeline') ? 'pipeline' : messaging.users[0]!;
    const owner = (durable: string) => entriesFor(role, undefined, partition).find((e) => e.id === durable)?.natsUser ?? fallback;
    const consumers = await Promise.all(topology.consumers.map((c) => messaging.bus(owner(c.durable)).openConsumer(c.stream, c.durable)));
    let idleRounds = 0;
    while (idleRounds < 2) {
      if (clock.now() > deadline) throw new Error(`pipeline not idle: nothing moved for ${timeoutMs} ms (${lastPending} messages pending)`);
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
      if (pending !== lastPending) {
        lastPending = pending;
        deadline = clock.now() + timeoutMs;
      }
      idleRounds = !replayBusy && pending === 0 ? idleRounds + 1 : 0;
    }
  };

  let stopped = false;
  return {
    config,
    log,
    database,
    messaging,
    metrics,
    supervisor,
    dataDirLock,
    httpUrl: () => httpUrl,
    inspector: inspector === undefined ? undefined : { url: inspector.url, viewerUrl: inspector.viewerUrl },
    tree: () => fullTree(),
    waitForIdle,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await supervisor.stop();
        await inspector?.stop();
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

/**
 * The broker credentials, for a role that runs execution and has FAKEOUT_BROKER_SECRETS_FILE
 * set; every read is appended to the audit log (`secret.read`) before the value is handed out.
 */
function openBrokerVault(config: Readonly<Config>, db: Database['db'], clock: Clock): Vault | undefined {
  if (!runsExecution(config.role) || config.brokerSecretsFile === undefined) return undefined;
  return openVault(resolve(config.brokerSecretsFile), async (r) => {
    await appendAudit(db, { at: clock.now(), actor: r.reader, action: 'secret.read', subject: `secret:${r.name}`, details: { file: r.file } });
  });
}

/**
 * The governed config (docs/config.md) at start: the version in force is mirrored into
 * config_versions (repairing a crash between the bucket write and its mirror), and a start-up
 * variable that differs from it is said, not applied: the bucket wins over the environment.
 */
async function mirrorGovernedVersion(db: Database['db'], messaging: Messaging, config: Readonly<Config>, log: Logger): Promise<void> {
  const g = messaging.governed;
  if (g === undefined) return;
  await insertConfigVersion(db, g.version, g.revision);
  const differs = diffParams(g.version.params, governedFromConfig(config));
  if (Object.keys(differs).length > 0) {
    log.warn({ version: g.version.version, differs }, 'start-up variables differ from the governed config version in force; the version stays in force (change it with `fakeout config propose`)');
  }
  log.info({ version: g.version.version, params: g.version.params }, 'governed config');
}

/** Stages read the governed config with their own NATS user (pipeline, gateway; nats.conf allows them to read it). */
function governedReaderFor(messaging: Messaging, user: NatsUser): { config?: ConfigReader } {
  if (user !== 'pipeline' && user !== 'gateway') return {};
  return { config: configReader(messaging.connection(user)) };
}

