/**
 * Prometheus metrics for one fakeout process, on a registry of its own.
 *
 * POLICY: no label takes a value from market data (symbol, price, alert id). Label values come
 * from small fixed sets (the outcome unions below) or from names in our own code (actor ids,
 * stage names, consumer names, machine state names), so the number of series stays bounded
 * however many symbols flow through.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from './process-metrics.ts';

/** Where an ingested event came from. */
export const INGEST_SOURCES = ['replay', 'tradingview'] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

/**
 * What happened to one ingested event. `failed` is a server-side failure (the RAW stream did not
 * acknowledge, or an unexpected error): it is kept apart from `rejected` (the sender's fault) so an
 * alert on failures does not fire because someone sent garbage, and vice versa. `forbidden` (an
 * address the webhook allowlist does not list) and `rate_limited` (over FAKEOUT_WEBHOOK_RATE) are
 * webhook requests refused before the secret is looked at: kept apart from `rejected` so a scan of
 * the URL is told from a sender with a wrong secret. Replay never produces them.
 */
export const INGEST_OUTCOMES = ['accepted', 'duplicate', 'rejected', 'forbidden', 'rate_limited', 'bad_row', 'failed'] as const;
export type IngestOutcome = (typeof INGEST_OUTCOMES)[number];

/** What the webhook did with an alert whose time was too far from corrected now (FAKEOUT_WEBHOOK_SKEW_ACTION). */
export const TIME_SKEW_ACTIONS = ['refused', 'flagged'] as const;
export type TimeSkewAction = (typeof TIME_SKEW_ACTIONS)[number];

/** The drift monitor's judgment of one clock measurement (adapters/time/drift.ts). */
export const CLOCK_VERDICTS = ['ok', 'warn', 'trip'] as const;
export type ClockVerdict = (typeof CLOCK_VERDICTS)[number];

/**
 * Why the circuit breaker tripped, the `reason` of `fakeout_breaker_trips_total`: one of the
 * breaker's own conditions (actors/risk/breaker-conditions.ts `TripCondition`, bar `monitor`), or
 * for a trip published on `risk.trip.<source>` its source when it is one fakeout publishes
 * (`clock`: the drift monitor, `integrity`: the integrity auditor, `manual`: a person's kill
 * switch); any other source is `other`, so a publisher cannot grow the label set.
 */
export const BREAKER_TRIP_REASONS = ['slippage', 'losses', 'drawdown', 'orderErrors', 'clock', 'integrity', 'manual', 'other'] as const;
export type BreakerTripReason = (typeof BREAKER_TRIP_REASONS)[number];

/**
 * What `POST /webhook/tradingview` answered, the `outcome` of `fakeout_webhook_requests_total`:
 * finer than the ingest outcome (it tells a wrong secret from an oversized body from a wrong media
 * type), one per HTTP request. `unavailable` is the 503 of a RAW stream that did not acknowledge,
 * `error` any other server-side failure.
 */
export const WEBHOOK_OUTCOMES = [
  'accepted', 'duplicate', 'unauthorized', 'forbidden', 'rate_limited', 'too_large', 'unsupported_media_type', 'not_json', 'invalid', 'unavailable', 'error',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** What a stage did with one message. */
export const STAGE_OUTCOMES = ['processed', 'skipped', 'bad'] as const;
export type StageOutcome = (typeof STAGE_OUTCOMES)[number];

/**
 * What the bar builder did with one market event (actors/bars/bar-builder.ts stats): folded into
 * a bar (`applied`), dropped because its bar was already emitted or it re-sent an input bar
 * (`late`; kept in RAW, logged), or an input bar too coarse for every configured timeframe (`ignored`).
 */
export const BAR_EVENT_OUTCOMES = ['applied', 'late', 'ignored', 'clockClosed'] as const;
export type BarEventOutcome = (typeof BAR_EVENT_OUTCOMES)[number];

/**
 * Buckets of `fakeout_stage_duration_seconds`: 0.5 ms to 5 s, roughly 1-2.5-5 per decade. A batch
 * under 0.5 ms is "instant" and one over 5 s is a stall; both ends only need to be told apart.
 */
export const STAGE_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/** Every metric fakeout exports, plus the registry they live in. */
export interface Metrics {
  /** This process's registry (not prom-client's global one), with the default process metrics. */
  readonly registry: Registry;
  /** `fakeout_actor_restarts_total{actor}`: restarts performed by a supervisor. */
  readonly actorRestarts: Counter<'actor'>;
  /** `fakeout_actor_state{actor,state}`: 1 for an actor's current state; write it with {@link Metrics.setActorState}. */
  readonly actorState: Gauge<'actor' | 'state'>;
  /** `fakeout_stage_duration_seconds{stage}`: time to process one batch. */
  readonly stageDuration: Histogram<'stage'>;
  /** `fakeout_stage_messages_total{stage,outcome}`: outcome is a {@link StageOutcome}. */
  readonly stageMessages: Counter<'stage' | 'outcome'>;
  /** `fakeout_consumer_pending{consumer}`: messages waiting on a JetStream durable consumer. */
  readonly consumerPending: Gauge<'consumer'>;
  /** `fakeout_ingested_total{source,outcome}`: source is an {@link IngestSource}, outcome an {@link IngestOutcome}. */
  readonly ingested: Counter<'source' | 'outcome'>;
  /** `fakeout_webhook_time_skew_total{action}`: alerts whose `time`/`timenow` was too far from corrected now; action is a {@link TimeSkewAction}. */
  readonly webhookTimeSkew: Counter<'action'>;
  /** `fakeout_audit_mirror{figure}`: `last_seq`, `lag`, `diverged` (0/1) of the audit mirror. */
  readonly auditMirror: Gauge<'figure'>;
  /** `fakeout_bar_events_total{outcome}`: outcome is a {@link BarEventOutcome}. No symbol label, see the POLICY above. */
  readonly barEvents: Counter<'outcome'>;
  /** `fakeout_clock_offset_seconds`: the latest clock offset the drift monitor measured (NTP time − system time). */
  readonly clockOffset: Gauge<never>;
  /** `fakeout_clock_verdicts_total{verdict}`: the drift monitor's measurements by {@link ClockVerdict}. */
  readonly clockVerdicts: Counter<'verdict'>;
  /** Records one drift-monitor judgment: the verdict counted, the offset (when one was measured, in ms) set in seconds. */
  recordClockVerdict(verdict: ClockVerdict, offsetMs: number | null): void;
  /** `fakeout_monitor_value{monitor}`: the figure a monitor judges (slippage ratio, low-liquidity share). */
  readonly monitorValue: Gauge<'monitor'>;
  /** `fakeout_monitor_alert{monitor}`: 1 while the monitor's machine is in `alert`, else 0. */
  readonly monitorAlert: Gauge<'monitor'>;
  /** `fakeout_signal_liquidity_total{liquidity}`: signals tagged `low` or `normal` by the liquidity monitor. */
  readonly signalLiquidity: Counter<'liquidity'>;
  /** `fakeout_fill_slippage_bps{kind}`: per fill, `realised` and `modelled` slippage in basis points. */
  readonly fillSlippage: Histogram<'kind'>;
  /** `fakeout_orders_total{status}`: entry orders entering a status, counted after the gateway's batch committed. */
  readonly orders: Counter<'status'>;
  /** `fakeout_fills_total{leg}`: fills the gateway applied (`entry`, `exit`), after its batch committed. */
  readonly fills: Counter<'leg'>;
  /** `fakeout_gate_state{state}`: 1 for the execution gate's current state; write it with {@link Metrics.setGateState}. */
  readonly gateState: Gauge<'state'>;
  /** `fakeout_breaker_state{state}`: 1 for the circuit breaker's current state; write it with {@link Metrics.setBreakerState}. */
  readonly breakerState: Gauge<'state'>;
  /** `fakeout_breaker_trips_total{reason}`: breaker trips by {@link BreakerTripReason}, counted after the gateway's batch committed. */
  readonly breakerTrips: Counter<'reason'>;
  /** `fakeout_approvals_pending`: entry orders waiting for a person's approval, after each gateway batch. */
  readonly approvalsPending: Gauge<never>;
  /** `fakeout_slippage_ratio`: realised/modelled slippage over the breaker's window (the slippage monitor's figure). */
  readonly slippageRatio: Gauge<never>;
  /** `fakeout_low_liquidity_signals_ratio`: share of low-liquidity signals in the liquidity monitor's window. */
  readonly lowLiquidityRatio: Gauge<never>;
  /**
   * `fakeout_integrity_failed`: 1 when the integrity auditor's last run failed, 0 when it passed or
   * none ran yet (an unlabelled gauge starts at 0, so "ok = 1" would read as a failure before the first run).
   */
  readonly integrityFailed: Gauge<never>;
  /** `fakeout_integrity_runs_total{result}`: integrity runs, `ok` or `failed`. */
  readonly integrityRuns: Counter<'result'>;
  /** `fakeout_integrity_problems`: problems the last integrity run found. */
  readonly integrityProblems: Gauge<never>;
  /** `fakeout_integrity_last_run_timestamp_seconds`: when the last integrity run ended (clock time, Unix seconds). */
  readonly integrityLastRun: Gauge<never>;
  /** Records one integrity run: ok, its problem count and its time (epoch ms). */
  recordIntegrityRun(r: { ok: boolean; problems: number; at: number }): void;
  /** `fakeout_webhook_requests_total{outcome}`: webhook requests by {@link WebhookOutcome}. */
  readonly webhookRequests: Counter<'outcome'>;
  setGateState(state: string): void;
  setBreakerState(state: string): void;
  /** `fakeout_supervision_events_total{type}`: start, crash, restart, escalation… */
  readonly supervisionEvents: Counter<'type'>;
  /** `fakeout_signals_total`: signals emitted (score ≥ trigger). No symbol label, see the POLICY above. */
  readonly signals: Counter<never>;
  /** `fakeout_scores_total`: scores computed. */
  readonly scores: Counter<never>;
  /**
   * Marks `state` as the actor's current state: its series goes to 1 and every other state this
   * actor has been in goes to 0 (kept, not removed, so a dashboard shows the transition).
   */
  setActorState(actor: string, state: string): void;
  /** The text exposition of every metric in {@link Metrics.registry}. */
  render(): Promise<string>;
  /** The Content-Type that goes with {@link Metrics.render}'s output. */
  readonly contentType: string;
}

/** Builds a fresh registry with every fakeout metric and the default Node.js process metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  // WHY own registry: tests and several in-process roles can each build one without
  // "metric already registered" clashes on prom-client's global registry.
  collectProcessMetrics(registry);
  const registers = [registry];

  const actorRestarts = new Counter({
    name: 'fakeout_actor_restarts_total',
    help: 'Actor restarts performed by a supervisor.',
    labelNames: ['actor'] as const,
    registers,
  });
  const actorState = new Gauge({
    name: 'fakeout_actor_state',
    help: "1 for the actor's current state, 0 for other states it has been in.",
    labelNames: ['actor', 'state'] as const,
    registers,
  });
  const stageDuration = new Histogram({
    name: 'fakeout_stage_duration_seconds',
    help: 'Time for a pipeline stage to process one batch of messages.',
    labelNames: ['stage'] as const,
    buckets: [...STAGE_DURATION_BUCKETS],
    registers,
  });
  const stageMessages = new Counter({
    name: 'fakeout_stage_messages_total',
    help: 'Messages handled by a pipeline stage, by outcome (processed, skipped, bad).',
    labelNames: ['stage', 'outcome'] as const,
    registers,
  });
  const consumerPending = new Gauge({
    name: 'fakeout_consumer_pending',
    help: 'Messages pending on a JetStream durable consumer.',
    labelNames: ['consumer'] as const,
    registers,
  });
  const ingested = new Counter({
    name: 'fakeout_ingested_total',
    help: 'Events offered to ingest, by source (replay, tradingview) and outcome.',
    labelNames: ['source', 'outcome'] as const,
    registers,
  });
  const webhookTimeSkew = new Counter({
    name: 'fakeout_webhook_time_skew_total',
    help: 'Webhook alerts whose time or timenow was too far from corrected now, by action (refused, flagged).',
    labelNames: ['action'] as const,
    registers,
  });
  const barEvents = new Counter({
    name: 'fakeout_bar_events_total',
    help: 'Market events the bar builder handled, by outcome (applied, late, ignored).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const clockOffset = new Gauge({
    name: 'fakeout_clock_offset_seconds',
    help: 'The latest clock offset the drift monitor measured against FAKEOUT_NTP_SERVERS (NTP time minus system time), seconds.',
    registers,
  });
  const clockVerdicts = new Counter({
    name: 'fakeout_clock_verdicts_total',
    help: "The drift monitor's measurements by verdict (ok, warn: beyond FAKEOUT_CLOCK_WARN_MS, trip: beyond FAKEOUT_CLOCK_TRIP_MS or no answer).",
    labelNames: ['verdict'] as const,
    registers,
  });
  for (const verdict of CLOCK_VERDICTS) clockVerdicts.inc({ verdict }, 0);
  const monitorValue = new Gauge({
    name: 'fakeout_monitor_value',
    help: 'The figure a monitor judges: realised/modelled slippage ratio, share of low-liquidity signals.',
    labelNames: ['monitor'] as const,
    registers,
  });
  const monitorAlert = new Gauge({
    name: 'fakeout_monitor_alert',
    help: '1 while the monitor is in alert (its figure above its threshold), else 0.',
    labelNames: ['monitor'] as const,
    registers,
  });
  const signalLiquidity = new Counter({
    name: 'fakeout_signal_liquidity_total',
    help: 'Signals tagged by the liquidity monitor, low or normal liquidity.',
    labelNames: ['liquidity'] as const,
    registers,
  });
  const fillSlippage = new Histogram({
    name: 'fakeout_fill_slippage_bps',
    help: 'Slippage per fill in basis points (adverse > 0), realised and modelled.',
    labelNames: ['kind'] as const,
    buckets: [-10, -2, 0, 1, 2, 5, 10, 20, 50, 100, 250],
    registers,
  });
  const orders = new Counter({
    name: 'fakeout_orders_total',
    help: 'Entry orders entering a status (pending_approval, held, sent, filled, closed, rejected, expired, failed, cancelled), after the gateway batch committed.',
    labelNames: ['status'] as const,
    registers,
  });
  const fills = new Counter({
    name: 'fakeout_fills_total',
    help: 'Fills the execution gateway applied, by leg (entry, exit).',
    labelNames: ['leg'] as const,
    registers,
  });
  const gateState = new Gauge({
    name: 'fakeout_gate_state',
    help: '1 for the execution gate\'s current state (gated, live, paused), 0 for the states it has been in.',
    labelNames: ['state'] as const,
    registers,
  });
  const breakerState = new Gauge({
    name: 'fakeout_breaker_state',
    help: '1 for the circuit breaker\'s current state (closed, open, halfOpen), 0 for the states it has been in.',
    labelNames: ['state'] as const,
    registers,
  });
  const auditMirror = new Gauge({
    name: 'fakeout_audit_mirror',
    help: 'The audit mirror (audit_log to the AUDIT stream): last_seq on AUDIT, lag (entries not yet mirrored), diverged (1: stopped, the two disagree).',
    labelNames: ['figure'] as const,
    registers,
  });
  const breakerTrips = new Counter({
    name: 'fakeout_breaker_trips_total',
    help: 'Circuit breaker trips by reason (slippage, losses, drawdown, orderErrors, clock, integrity, manual, other).',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of BREAKER_TRIP_REASONS) breakerTrips.inc({ reason }, 0);
  const approvalsPending = new Gauge<never>({
    name: 'fakeout_approvals_pending',
    help: "Entry orders waiting for a person's approval (pending_approval), after each committed gateway batch.",
    registers,
  });
  const slippageRatio = new Gauge<never>({
    name: 'fakeout_slippage_ratio',
    help: "Realised over modelled slippage across the breaker's window of entry fills (the slippage monitor's figure; the breaker trips above FAKEOUT_BREAKER_SLIPPAGE_RATIO).",
    registers,
  });
  const lowLiquidityRatio = new Gauge<never>({
    name: 'fakeout_low_liquidity_signals_ratio',
    help: "Share of low-liquidity signals among the liquidity monitor's window (alert above FAKEOUT_LIQUIDITY_ALERT_SHARE).",
    registers,
  });
  const integrityFailed = new Gauge<never>({
    name: 'fakeout_integrity_failed',
    help: "1 when the integrity auditor's last run found RAW and raw_events disagreeing or the hash chain broken, 0 when it passed or none ran yet.",
    registers,
  });
  const integrityRuns = new Counter({
    name: 'fakeout_integrity_runs_total',
    help: 'Integrity auditor runs by result (ok, failed).',
    labelNames: ['result'] as const,
    registers,
  });
  for (const result of ['ok', 'failed']) integrityRuns.inc({ result }, 0);
  const integrityProblems = new Gauge<never>({
    name: 'fakeout_integrity_problems',
    help: 'Problems the last integrity run found (0 when it passed).',
    registers,
  });
  const integrityLastRun = new Gauge<never>({
    name: 'fakeout_integrity_last_run_timestamp_seconds',
    help: 'When the last integrity run ended, Unix time in seconds (the process clock).',
    registers,
  });
  const webhookRequests = new Counter({
    name: 'fakeout_webhook_requests_total',
    help: 'Requests to POST /webhook/tradingview by outcome (accepted, duplicate, unauthorized, forbidden, rate_limited, too_large, unsupported_media_type, not_json, invalid, unavailable, error).',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of WEBHOOK_OUTCOMES) webhookRequests.inc({ outcome }, 0);
  const supervisionEvents = new Counter({
    name: 'fakeout_supervision_events_total',
    help: 'Supervision events (start, crash, restart, escalation, ...).',
    labelNames: ['type'] as const,
    registers,
  });
  const signals = new Counter<never>({
    name: 'fakeout_signals_total',
    help: 'Signals emitted (score at or above the trigger).',
    registers,
  });
  const scores = new Counter<never>({
    name: 'fakeout_scores_total',
    help: 'Scores computed by the scoring engine.',
    registers,
  });

  // WHY pre-create the ingest series at 0: rate() and absent-based alerts need the series to exist
  // before the first event; the label sets are small and fixed, so this costs 14 series.
  for (const source of INGEST_SOURCES) {
    for (const outcome of INGEST_OUTCOMES) ingested.inc({ source, outcome }, 0);
  }
  for (const outcome of BAR_EVENT_OUTCOMES) barEvents.inc({ outcome }, 0);
  for (const action of TIME_SKEW_ACTIONS) webhookTimeSkew.inc({ action }, 0);
  for (const liquidity of ['low', 'normal']) signalLiquidity.inc({ liquidity }, 0);
  for (const leg of ['entry', 'exit']) fills.inc({ leg }, 0);

  const statesSeen = new Map<string, Set<string>>();
  function setActorState(actor: string, state: string): void {
    let seen = statesSeen.get(actor);
    if (seen === undefined) {
      seen = new Set();
      statesSeen.set(actor, seen);
    }
    seen.add(state);
    for (const s of seen) actorState.set({ actor, state: s }, s === state ? 1 : 0);
  }

  /** One gauge series per state seen: the current one 1, the others 0. */
  const oneHot = (gauge: Gauge<'state'>) => {
    const seen = new Set<string>();
    return (state: string) => {
      seen.add(state);
      for (const s of seen) gauge.set({ state: s }, s === state ? 1 : 0);
    };
  };

  return {
    registry,
    orders,
    fills,
    gateState,
    breakerState,
    breakerTrips,
    approvalsPending,
    slippageRatio,
    lowLiquidityRatio,
    integrityFailed,
    integrityRuns,
    integrityProblems,
    integrityLastRun,
    recordIntegrityRun: (r) => {
      integrityFailed.set(r.ok ? 0 : 1);
      integrityRuns.inc({ result: r.ok ? 'ok' : 'failed' });
      integrityProblems.set(r.problems);
      integrityLastRun.set(r.at / 1000);
    },
    webhookRequests,
    setGateState: oneHot(gateState),
    setBreakerState: oneHot(breakerState),
    actorRestarts,
    actorState,
    stageDuration,
    stageMessages,
    consumerPending,
    ingested,
    webhookTimeSkew,
    barEvents,
    clockOffset,
    clockVerdicts,
    recordClockVerdict: (verdict, offsetMs) => {
      clockVerdicts.inc({ verdict });
      if (offsetMs !== null) clockOffset.set(offsetMs / 1000);
    },
    monitorValue,
    monitorAlert,
    signalLiquidity,
    fillSlippage,
    supervisionEvents,
    auditMirror,
    signals,
    scores,
    setActorState,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
