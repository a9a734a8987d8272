/**
 * The role table: every actor of fakeout, the process role that runs it, the supervisor group
 * it runs under, the NATS user its connection authenticates as, and the streams it reads and
 * writes. Each process role's supervision tree (tree.ts), the NATS users it connects as
 * (messaging.ts) and the topology subset it needs (`topologyFor`) are derived from this table,
 * so adding an actor is its pure logic, its machine, its stage definition and ONE entry here.
 *
 * Role `all` runs every entry in one process, still one NATS connection per user, so the
 * server's permissions isolate the actors exactly as they would across processes.
 */
import type { AnyActorRef } from 'xstate';
import { TOPOLOGY, type ConsumerSpec, type Topology } from '../../adapters/nats/index.ts';
import { partitionedName, partitionFilter, type Partition } from '../domain/partition.ts';
import type { Logger } from '../../adapters/log/index.ts';
import type { Clock } from '../../adapters/time/index.ts';
import { rawArchiverStage } from '../archive/index.ts';
import { barBuilderStage, reportBarEvents } from '../bars/bar-builder.actor.ts';
import { liveClockHorizonMs, startBarClockActor } from '../ingest/bar-clock.actor.ts';
import { startDriftMonitorActor } from '../time/drift-monitor.actor.ts';
import type { DriftVerdict } from '../../adapters/time/drift.ts';
import { parseNtpServer } from '../domain/config.ts';
import { startAuditMirrorActor, type AuditMirrorReport } from '../audit/audit-mirror.actor.ts';
import type { BarBuilderStats } from '../bars/bar-builder.ts';
import type { Config } from '../domain/config.ts';
import type { NatsUser, ProcessRole } from '../domain/identities.ts';
import { featureEngineStage } from '../features/feature-engine.actor.ts';
import type { TimeLimits } from '../ingest/plausibility.ts';
import { DEFAULT_LIQUIDITY } from '../execution/liquidity.ts';
import { liquidityMonitorStage, slippageMonitorStage, type MonitorOutput } from '../monitors/monitors.actor.ts';
import { startReplayActor, type ReplayProgress, type ReplayRequest } from '../ingest/replay.actor.ts';
import { scoringEngineStage } from '../scoring/scoring-engine.actor.ts';
import type { ScoringParams } from '../scoring/score.ts';
import type { Vault } from '../../adapters/secrets/index.ts';
import type { AnyDb, Bus } from '../stage/ports.ts';
import { executionGatewayStage, orderIntakeStage } from '../gateway/gateway.actor.ts';
import type { ExecutionWiring } from '../gateway/execution-wiring.ts';
import type { GatewayCommitReport } from '../gateway/gateway-state.ts';
import { startClockTickActor } from '../gateway/clock-tick.actor.ts';
import { startIntegrityActor } from '../integrity/integrity.actor.ts';
import type { IntegrityResult } from '../integrity/integrity.service.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';

/** The supervisors under the root, in start order (shutdown runs in reverse: intake first). */
export const ACTOR_GROUPS = ['pipeline', 'execution', 'monitors', 'intake'] as const;
export type ActorGroup = (typeof ACTOR_GROUPS)[number];

/** What an entry's factory may use: the process's wiring, already opened. */
export interface RoleContext {
  config: Readonly<Config>;
  log: Logger;
  clock: Clock;
  db: AnyDb;
  scoring: ScoringParams;
  timeLimits: TimeLimits;
  countBarEvents(outcome: keyof BarBuilderStats, n: number): void;
  /** the bus of one NATS user (one connection per user) */
  bus(user: NatsUser): Bus;
  replayFiles: readonly ReplayRequest[];
  onReplayProgress?: (p: ReplayProgress) => void;
  countIngested(outcome: 'accepted' | 'duplicate' | 'bad_row' | 'rejected', n: number): void;
  onScored(scores: number, signals: number): void;
  /** after a monitor stage's batch committed: its tags, states and notices (metrics) */
  onMonitorCommitted(outputs: readonly MonitorOutput[]): void;
  /** the broker credentials (roles that run execution, when FAKEOUT_BROKER_SECRETS_FILE is set); every read is audited */
  brokerVault: Vault | undefined;
  /** after each drift-monitor measurement: its verdict and the offset measured (metrics) */
  onDriftVerdict?(v: DriftVerdict): void;
  /** after each audit-mirror round: the last seq on AUDIT, the lag, divergence (metrics) */
  onAuditMirrored?(r: AuditMirrorReport): void;
  /** after the execution gateway's batch committed: its counts and machine states (metrics) */
  onGatewayCommitted?(r: GatewayCommitReport): void;
  /** after each scheduled integrity run, passed or failed (metrics) */
  onIntegrityRun?(r: IntegrityResult): void;
  /** the execution side's shared paper broker, parameters and live gateway state */
  execution: ExecutionWiring;
}

interface EntryBase {
  /** supervision id; for a stage also its durable consumer and checkpoint key */
  id: string;
  role: Exclude<ProcessRole, 'all'>;
  group: ActorGroup;
  /** the NATS user its connection authenticates as (nats.conf) */
  natsUser: NatsUser;
  /** streams it publishes to */
  writes: readonly string[];
  /**
   * How it runs when the pipeline is partitioned (FAKEOUT_PARTITION=i/n, docs/architecture.md
   * "Partitioned processes"): `split`, a stage with per-symbol state, runs once per partition on
   * its own filtered durable consumer `<id>-<i>of<n>`; `first`, an actor whose state spans every
   * symbol, runs only in partition 0 under its usual name; unset, every process runs its own.
   */
  partitions?: 'split' | 'first';
}

/** A checkpointed stage (actors/stage/stage.actor.ts) reading its own durable consumer. */
export interface StageEntry extends EntryBase {
  kind: 'stage';
  stage(ctx: RoleContext): StageDefinition<never, unknown>;
}

/** Any other actor; `start` answers undefined when it has nothing to do in this process. */
export interface ServiceEntry extends EntryBase {
  kind: 'service';
  restart: 'permanent' | 'transient';
  shutdownMs: number;
  start(ctx: RoleContext): (() => AnyActorRef | Promise<AnyActorRef>) | undefined;
}

export type ActorEntry = StageEntry | ServiceEntry;

const asStage = <I, O>(def: StageDefinition<I, O>) => def as unknown as StageDefinition<never, unknown>;

/** THE role table. Order within a group is start order. */
export const ROLE_TABLE: readonly ActorEntry[] = Object.freeze([
  // one hash chain over all of RAW in stream order: never split
  { kind: 'stage', id: 'raw-archiver', role: 'pipeline', group: 'pipeline', natsUser: 'pipeline', writes: [], partitions: 'first', stage: () => asStage(rawArchiverStage) },
  { kind: 'stage', id: 'bar-builder', role: 'pipeline', group: 'pipeline', natsUser: 'pipeline', writes: ['BARS'], partitions: 'split', stage: (c) => asStage(barBuilderStage(c.config.timeframes, reportBarEvents(c.log.child({ actor: 'bar-builder' }), c.countBarEvents), c.config.barCloseGraceMs)) },
  {
    kind: 'stage', id: 'feature-engine', role: 'pipeline', group: 'pipeline', natsUser: 'pipeline', writes: ['FEATURES'], partitions: 'split',
    stage: (c) => asStage(featureEngineStage({ lookback: c.config.lookback, atrPeriod: c.config.atrPeriod })),
  },
  {
    kind: 'stage', id: 'scoring-engine', role: 'pipeline', group: 'pipeline', natsUser: 'pipeline', writes: ['SCORES', 'SIGNALS'], partitions: 'split',
    stage: (c) => asStage(scoringEngineStage(c.scoring, { log: c.log.child({ actor: 'scoring-engine' }), onCommitted: (scores, signals) => c.onScored(scores, signals) })),
  },
  { kind: 'stage', id: 'order-intake', role: 'gateway', group: 'execution', natsUser: 'gateway', writes: ['ORDERS'], stage: (c) => asStage(orderIntakeStage(c.clock)) },
  {
    kind: 'stage', id: 'execution-gateway', role: 'gateway', group: 'execution', natsUser: 'gateway', writes: ['ORDERS'],
    stage: (c) => asStage(executionGatewayStage({
      params: c.execution.params, costModel: c.execution.costModel, broker: () => c.execution.paperBroker(),
      onProcessor: (p) => (c.execution.gateway = p), onCommitted: (r) => c.onGatewayCommitted?.(r),
    })),
  },
  // audit_log → the AUDIT stream, in seq order, the stream's newest entry as the cursor
  {
    kind: 'service', id: 'audit-mirror', role: 'gateway', group: 'execution', natsUser: 'gateway', writes: ['AUDIT'], restart: 'permanent', shutdownMs: 5_000,
    start: (c) =>
      c.config.auditMirrorMs === 0
        ? undefined
        : () => startAuditMirrorActor({ bus: c.bus('gateway'), db: c.db, log: c.log.child({ actor: 'audit-mirror' }), intervalMs: c.config.auditMirrorMs, onReport: c.onAuditMirrored }),
  },
  // the wall clock on ORDERS (orders.clock): expires live pending approvals by real time
  {
    kind: 'service', id: 'gateway-clock', role: 'gateway', group: 'execution', natsUser: 'gateway', writes: ['ORDERS'], restart: 'permanent', shutdownMs: 5_000,
    start: (c) => () => startClockTickActor({ bus: c.bus('gateway'), clock: c.clock, intervalMs: c.config.clockTickSeconds * 1000 }),
  },
  {
    // its alert is the low-liquidity share of the last N signals of every symbol: never split
    kind: 'stage', id: 'liquidity-monitor', role: 'pipeline', group: 'monitors', natsUser: 'pipeline', writes: [], partitions: 'first',
    stage: (c) =>
      asStage(
        liquidityMonitorStage(
          {
            scoring: c.scoring,
            liquidity: { ...DEFAULT_LIQUIDITY, percentile: c.config.lowLiqPercentile },
            signalWindow: c.config.liquiditySignalWindow,
            alertShare: c.config.liquidityAlertShare,
          },
          { log: c.log.child({ actor: 'liquidity-monitor' }), onCommitted: c.onMonitorCommitted },
        ),
      ),
  },
  {
    kind: 'stage', id: 'slippage-monitor', role: 'gateway', group: 'monitors', natsUser: 'gateway', writes: [],
    stage: (c) =>
      asStage(
        slippageMonitorStage(
          { window: c.config.breakerSlippageWindow, ratio: c.config.breakerSlippageRatio },
          { log: c.log.child({ actor: 'slippage-monitor' }), onCommitted: c.onMonitorCommitted },
        ),
      ),
  },
  // the time oracle's watch: clock offset against FAKEOUT_NTP_SERVERS; beyond the limit trips the breaker (risk.trip.clock)
  {
    kind: 'service', id: 'drift-monitor', role: 'pipeline', group: 'monitors', natsUser: 'pipeline', writes: ['ORDERS'], restart: 'permanent', shutdownMs: 5_000,
    start: (c) => {
      const servers = c.config.ntpServers;
      if (servers === undefined || servers.length === 0) return undefined;
      return () => startDriftMonitorActor({
        bus: c.bus('pipeline'), clock: c.clock, log: c.log.child({ actor: 'drift-monitor' }), servers: servers.map(parseNtpServer),
        samples: c.config.ntpSamples, timeoutMs: c.config.ntpTimeoutMs, intervalMs: c.config.ntpPollSeconds * 1000,
        thresholds: { warnMs: c.config.clockWarnMs, tripMs: c.config.clockTripMs, noAnswerMs: c.config.clockNoAnswerSeconds * 1000 },
        onVerdict: c.onDriftVerdict,
      });
    },
  },
  // the integrity auditor: RAW against raw_events on a schedule; a failure trips the breaker (risk.trip.integrity on ORDERS).
  // Role pipeline: it runs beside the raw-archiver whose output it checks, and its NATS user already reads RAW.
  {
    kind: 'service', id: 'integrity-auditor', role: 'pipeline', group: 'monitors', natsUser: 'pipeline', writes: ['ORDERS'], partitions: 'first', restart: 'permanent', shutdownMs: 5_000,
    start: (c) => {
      const intervalMs = c.config.integrityEverySeconds * 1000;
      if (intervalMs === 0) return undefined;
      return () => startIntegrityActor({ db: c.db, bus: c.bus('pipeline'), clock: c.clock, log: c.log, intervalMs, ...(c.onIntegrityRun ? { onRun: c.onIntegrityRun } : {}) });
    },
  },
  {
    kind: 'service', id: 'replay', role: 'pipeline', group: 'intake', natsUser: 'ingest', writes: ['RAW'], restart: 'transient', shutdownMs: 15_000,
    start: (c) =>
      c.replayFiles.length === 0
        ? undefined
        : () =>
            startReplayActor({
              bus: c.bus('ingest'), db: c.db, clock: c.clock, log: c.log, files: c.replayFiles, zone: c.config.exchangeZone, timeLimits: c.timeLimits,
              countIngested: c.countIngested, onProgress: c.onReplayProgress,
            }),
  },
  // the live-intake clock on RAW (raw.clock.clock): closes live bars whose time is over
  {
    kind: 'service', id: 'bar-clock', role: 'pipeline', group: 'intake', natsUser: 'ingest', writes: ['RAW'], restart: 'permanent', shutdownMs: 5_000,
    start: (c) => {
      const intervalMs = c.config.barClockTickSeconds * 1000;
      if (intervalMs === 0) return undefined;
      return () => startBarClockActor({
        bus: c.bus('ingest'), clock: c.clock, intervalMs, horizonMs: liveClockHorizonMs(c.config.timeframes, c.config.barCloseGraceMs, intervalMs), partitions: c.config.partition?.count,
      });
    },
  },
] satisfies ActorEntry[]);

/** How long a stage gets to finish and commit its in-flight batch at shutdown. */
export const STAGE_SHUTDOWN_MS = 15_000;
/** The process's own HTTP server (every role): /actors, /metrics, /healthz, and the webhook where the role ingests. */
export const HTTP_WORKER = Object.freeze({ id: 'http', group: 'intake' as ActorGroup, restart: 'permanent' as const, shutdownMs: 5_000 });

/** The supervision settings of an entry's worker. */
export function workerPolicy(entry: ActorEntry): { restart: 'permanent' | 'transient'; shutdownMs: number } {
  return entry.kind === 'stage' ? { restart: 'permanent', shutdownMs: STAGE_SHUTDOWN_MS } : { restart: entry.restart, shutdownMs: entry.shutdownMs };
}

/**
 * The entries a process of `role` runs; with a partition, the `split` stages renamed to their
 * partition's consumer (`bar-builder-0of2`, also their checkpoint key and supervision id) and
 * reading only its symbols, and the `first` entries left to partition 0.
 */
export function entriesFor(role: ProcessRole, table: readonly ActorEntry[] = ROLE_TABLE, partition?: Partition): ActorEntry[] {
  const mine = table.filter((e) => role === 'all' || e.role === role);
  if (partition === undefined) return mine;
  return mine.filter((e) => e.partitions !== 'first' || partition.index === 0).map((e) => (e.kind === 'stage' && e.partitions === 'split' ? splitStage(e, partition) : e));
}

function splitStage(entry: StageEntry, p: Partition): StageEntry {
  const id = partitionedName(entry.id, p);
  return {
    ...entry,
    id,
    stage: (c) => {
      const def = entry.stage(c);
      return { ...def, name: id, filterSubject: partitionFilter(def.stream, p) };
    },
  };
}

/**
 * Whether the role runs the execution side, and so may hold broker credentials. POLICY: only such
 * a process opens FAKEOUT_BROKER_SECRETS_FILE; a pipeline or ops process never reads it.
 */
export function runsExecution(role: ProcessRole): boolean {
  return role === 'all' || role === 'gateway';
}

/** Whether the role takes market data in over HTTP (the TradingView webhook, as the `ingest` user). */
export function hasWebhookIntake(role: ProcessRole): boolean {
  return role === 'all' || role === 'pipeline';
}

/**
 * Whether the role serves the human decisions on orders (approve, reject, breaker reset over
 * HTTP). They are published on ORDERS as the `gateway` NATS user, so only a process that holds
 * that user's credentials serves them (adapters/http/orders.routes.ts).
 */
export function hasOrderDecisions(role: ProcessRole): boolean {
  return role === 'all' || role === 'gateway';
}

/** The NATS users a process of `role` connects as, besides `admin` (topology, at start only). */
export function usersFor(role: ProcessRole, table: readonly ActorEntry[] = ROLE_TABLE): NatsUser[] {
  const users = new Set<NatsUser>(entriesFor(role, table).map((e) => e.natsUser));
  if (hasWebhookIntake(role)) users.add('ingest');
  if (hasOrderDecisions(role)) users.add('gateway');
  // Every process can answer `fakeout status`-style questions about its consumers read-only.
  if (users.size === 0) users.add('ops');
  return [...users];
}

/**
 * The part of the topology a role needs: the streams its actors read or write and the durable
 * consumers of its stages. Stage entries read the stream of the consumer named after them.
 */
export function topologyFor(role: ProcessRole, topology: Topology = TOPOLOGY, table: readonly ActorEntry[] = ROLE_TABLE, partition?: Partition): Topology {
  const entries = entriesFor(role, table, partition);
  const ids = new Set(entries.filter((e) => e.kind === 'stage').map((e) => e.id));
  // A partition's consumer is its stage's, renamed and filtered on the partition's subject token.
  const split = (c: ConsumerSpec): ConsumerSpec =>
    partition === undefined || !ids.has(partitionedName(c.durable, partition))
      ? c
      : { ...c, durable: partitionedName(c.durable, partition), filterSubject: partitionFilter(c.stream, partition), description: `${c.description} (partition ${partition.index} of ${partition.count})` };
  const consumers = topology.consumers.map(split).filter((c) => ids.has(c.durable));
  const streams = new Set<string>([...consumers.map((c) => c.stream), ...entries.flatMap((e) => e.writes)]);
  if (hasWebhookIntake(role)) streams.add('RAW');
  if (hasOrderDecisions(role)) streams.add('ORDERS');
  return { streams: topology.streams.filter((s) => streams.has(s.name)), consumers };
}
