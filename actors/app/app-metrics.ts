/**
 * What the app's actors report, as Prometheus series (adapters/metrics): the gateway's committed
 * batches, the integrity auditor's runs and the monitors' outputs. Pure mapping, no I/O; split
 * out of app.ts, which wires them.
 */
import { BREAKER_TRIP_REASONS, type BreakerTripReason, type Metrics } from '../../adapters/metrics/index.ts';
import type { GatewayCommitReport } from '../gateway/gateway-state.ts';
import type { IntegrityResult } from '../integrity/integrity.service.ts';
import type { MonitorOutput } from '../monitors/monitors.actor.ts';

/** A trip's condition or source as a `fakeout_breaker_trips_total` reason: an unknown source is `other` (bounded labels). */
export function tripReasonLabel(reason: string): BreakerTripReason {
  return (BREAKER_TRIP_REASONS as readonly string[]).includes(reason) ? (reason as BreakerTripReason) : 'other';
}

/**
 * A committed gateway batch as Prometheus series. Per-fill slippage is not observed here: the
 * slippage monitor observes `fakeout_fill_slippage_bps` for every fill on ORDERS already.
 */
export function recordGatewayCommit(metrics: Metrics, r: GatewayCommitReport): void {
  for (const [status, n] of Object.entries(r.orders)) if (n) metrics.orders.inc({ status }, n);
  for (const leg of ['entry', 'exit'] as const) if (r.fills[leg]) metrics.fills.inc({ leg }, r.fills[leg]);
  for (const [reason, n] of Object.entries(r.trips)) if (n) metrics.breakerTrips.inc({ reason: tripReasonLabel(reason) }, n);
  metrics.approvalsPending.set(r.approvalsPending);
  metrics.setGateState(r.gate);
  metrics.setBreakerState(r.breaker);
}

/** One integrity run (passed or failed) as Prometheus series. */
export function recordIntegrityRun(metrics: Metrics, r: IntegrityResult): void {
  metrics.recordIntegrityRun({ ok: r.ok, problems: r.problems.length, at: r.at });
}

/**
 * The monitors' figures, tags and per-fill slippage as Prometheus series; the slippage and
 * liquidity monitors' figures also under their own names, the ones the alert rules use.
 */
export function recordMonitorOutputs(metrics: Metrics, outputs: readonly MonitorOutput[]): void {
  for (const o of outputs) {
    if (o.kind === 'tag') metrics.signalLiquidity.inc({ liquidity: o.tag.low ? 'low' : 'normal' });
    else if (o.kind === 'fill') {
      metrics.fillSlippage.observe({ kind: 'modelled' }, o.modelledBps);
      if (o.realisedBps !== null) metrics.fillSlippage.observe({ kind: 'realised' }, o.realisedBps);
    } else if (o.kind === 'state') {
      if (o.value !== null) {
        metrics.monitorValue.set({ monitor: o.monitor }, o.value);
        if (o.monitor === 'slippage') metrics.slippageRatio.set(o.value);
        if (o.monitor === 'liquidity') metrics.lowLiquidityRatio.set(o.value);
      }
      metrics.monitorAlert.set({ monitor: o.monitor }, o.state === 'alert' ? 1 : 0);
    }
  }
}
