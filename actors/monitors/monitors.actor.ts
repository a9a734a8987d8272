/**
 * The monitors as stages (actors/stage/stage.actor.ts), each with its alert machine
 * (machines/monitor.machine.ts) inside its processor, so the machine's persisted snapshot is the
 * stage's checkpoint, saved in the same transaction as the tags, the state row and the audit
 * entries of its transitions.
 *
 *   liquidity-monitor  SCORES (every bar; the signals among them are tagged) → signal_liquidity,
 *                      monitor_states['liquidity'], audit on alert/cleared. Role pipeline.
 *   slippage-monitor   ORDERS (its fills) → monitor_states['slippage'], audit on alert/cleared.
 *                      Role gateway (only the gateway user may read ORDERS).
 *
 * Neither publishes: what they add is state a person reads (`GET /api/monitors`, the metrics,
 * the log, the audit log). The slippage figure is the breaker's own formula; the breaker trips on
 * it in the gateway (docs/risk.md), the monitor shows it continuously.
 */
import { createActor, type SnapshotFrom } from 'xstate';
import { appendAudit, insertSignalLiquidity, saveMonitorState } from '../../adapters/db/index.ts';
import { tradingSessions } from '../../adapters/time/sessions.ts';
import { monitorMachine, type MonitorNotice } from '../../machines/monitor.machine.ts';
import { FakeoutError } from '../domain/errors.ts';
import { TIMEFRAME_MS, type Score } from '../domain/messages.ts';
import type { LiquidityParams } from '../execution/liquidity.ts';
import { parseOrdersMessage, type OrdersMessage } from '../execution/order-messages.ts';
import { toSignal, type ScoringParams } from '../scoring/score.ts';
import type { Logger } from '../stage/ports.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import { LiquidityWatch, SlippageWatch, type LiquidityWatchState, type Measure, type SignalLiquidity, type SlippageWatchState } from './monitor-logic.ts';

/** What a monitor stage produces in a batch. */
export type MonitorOutput =
  | { kind: 'tag'; tag: SignalLiquidity }
  | { kind: 'fill'; realisedBps: number | null; modelledBps: number }
  | { kind: 'state'; monitor: string; state: 'normal' | 'alert'; value: number | null; threshold: number; since: number | null; figures: Record<string, number> }
  | { kind: 'notice'; notice: MonitorNotice };

/** Counters and logs after a committed batch (metrics live in the wiring). */
export interface MonitorHooks {
  log: Logger;
  onCommitted?(outputs: readonly MonitorOutput[]): void;
}

type AlertSnapshot = SnapshotFrom<typeof monitorMachine>;

/**
 * How far below its threshold a monitor's figure must fall before an alert clears: 80 % of it
 * (a share of 0.30 clears at 0.24, a ratio of 1.5 at 1.2), so a figure hovering at the threshold
 * raises one alert, not one per observation.
 */
export const CLEAR_FRACTION = 0.8;

/** The alert machine of one monitor, restored from its persisted snapshot; collects notices. */
function alertActor(name: string, threshold: number, persisted: unknown) {
  const notices: MonitorNotice[] = [];
  const machine = monitorMachine.provide({ actions: { notify: (_, n: MonitorNotice) => void notices.push(n) } });
  const actor = createActor(machine, { input: { name, threshold, clearAt: threshold * CLEAR_FRACTION }, ...(persisted ? { snapshot: persisted as AlertSnapshot } : {}) }).start();
  return {
    measure(at: number, m: Measure): MonitorOutput[] {
      actor.send({ type: 'MEASURED', at, value: m.value, judged: m.judged, figures: m.figures });
      const snap = actor.getSnapshot();
      const out: MonitorOutput[] = notices.splice(0).map((notice) => ({ kind: 'notice', notice }));
      out.push({ kind: 'state', monitor: name, state: snap.value as 'normal' | 'alert', value: snap.context.value, threshold: snap.context.threshold, since: snap.context.since, figures: snap.context.figures });
      return out;
    },
    persisted: () => actor.getPersistedSnapshot(),
  };
}

async function persistMonitor(tx: Parameters<StageDefinition<unknown, MonitorOutput>['persist']>[0], outputs: readonly MonitorOutput[]): Promise<void> {
  const tags = outputs.flatMap((o) => (o.kind === 'tag' ? [o.tag] : []));
  await insertSignalLiquidity(tx, tags);
  for (const o of outputs) {
    if (o.kind !== 'notice') continue;
    const n = o.notice;
    await appendAudit(tx, {
      at: n.at, actor: `${n.name}-monitor`, action: n.kind === 'alert' ? 'monitor.alert' : 'monitor.cleared', subject: `monitor:${n.name}`,
      after: { value: n.value, threshold: n.threshold }, details: n.figures,
    });
  }
  const last = [...outputs].reverse().find((o) => o.kind === 'state');
  if (last?.kind === 'state') await saveMonitorState(tx, { monitor: last.monitor, state: last.state, value: last.value, threshold: last.threshold, since: last.since, figures: last.figures });
}

function afterMonitorCommit(hooks: MonitorHooks, outputs: readonly MonitorOutput[]): void {
  for (const o of outputs) {
    if (o.kind !== 'notice') continue;
    const { kind, name, value, threshold, figures } = o.notice;
    if (kind === 'alert') hooks.log.warn({ monitor: name, value, threshold, ...figures }, `${name} monitor: alert (${value.toFixed(3)} > ${threshold})`);
    else hooks.log.info({ monitor: name, value, threshold, ...figures }, `${name} monitor: back to normal`);
  }
  hooks.onCommitted?.(outputs);
}

function decodeScore(value: unknown): Score {
  const s = value as Partial<Score> | null;
  if (typeof s !== 'object' || s === null || typeof s.id !== 'string' || typeof s.score !== 'number' || typeof s.features !== 'object' || s.features === null) {
    throw new FakeoutError('FAKEOUT_ERR_INGEST_BAD_ROW', 'SCORES message is not a score', { details: { field: 'score' } });
  }
  return s as Score;
}

export interface LiquidityMonitorParams {
  scoring: Readonly<ScoringParams>;
  liquidity: LiquidityParams;
  signalWindow: number;
  /** share of low-liquidity signals above which the monitor alerts (0.30) */
  alertShare: number;
}

interface LiquidityCheckpoint {
  watch: LiquidityWatchState;
  alert: unknown;
}

export function liquidityMonitorStage(p: LiquidityMonitorParams, hooks: MonitorHooks): StageDefinition<Score, MonitorOutput> {
  return {
    name: 'liquidity-monitor',
    stream: 'SCORES',
    decode: decodeScore,
    create(snapshot) {
      const cp = snapshot as LiquidityCheckpoint | undefined;
      const watch = new LiquidityWatch({ liquidity: p.liquidity, signalWindow: p.signalWindow }, cp?.watch);
      const alert = alertActor('liquidity', p.alertShare, cp?.alert);
      return {
        apply(score) {
          // The same rule as the scoring engine: a score is a signal when toSignal makes one of it.
          const isSignal = toSignal(score, p.scoring) !== null;
          const seen = watch.observe(score, isSignal, tradingSessions(score.openTime));
          if (seen === undefined) return [];
          return [{ kind: 'tag', tag: seen.tag }, ...alert.measure(score.openTime + TIMEFRAME_MS[score.timeframe], seen.measure)];
        },
        snapshot: (): LiquidityCheckpoint => ({ watch: watch.snapshot(), alert: alert.persisted() }),
      };
    },
    toPublish: () => [],
    persist: persistMonitor,
    afterCommit: (outputs) => afterMonitorCommit(hooks, outputs),
  };
}

interface SlippageCheckpoint {
  watch: SlippageWatchState;
  alert: unknown;
}

export function slippageMonitorStage(p: { window: number; ratio: number }, hooks: MonitorHooks): StageDefinition<OrdersMessage, MonitorOutput> {
  return {
    name: 'slippage-monitor',
    stream: 'ORDERS',
    // Every ORDERS message (the consumer is unfiltered: see adapters/nats/topology.ts); fills are measured.
    decode: (value, subject) => parseOrdersMessage(subject, value),
    create(snapshot) {
      const cp = snapshot as SlippageCheckpoint | undefined;
      const watch = new SlippageWatch(p.window, cp?.watch);
      const alert = alertActor('slippage', p.ratio, cp?.alert);
      return {
        apply(message) {
          if (message.kind !== 'fill') return [];
          const fill = message;
          const out: MonitorOutput[] = [{ kind: 'fill', realisedBps: fill.realisedBps, modelledBps: fill.modelledBps }];
          const m = watch.observe(fill);
          return m === undefined ? out : [...out, ...alert.measure(fill.time, m)];
        },
        snapshot: (): SlippageCheckpoint => ({ watch: watch.snapshot(), alert: alert.persisted() }),
      };
    },
    toPublish: () => [],
    persist: persistMonitor,
    afterCommit: (outputs) => afterMonitorCommit(hooks, outputs),
  };
}
