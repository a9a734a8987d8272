/**
 * Whether a breaker reset can close the breaker now, read from the gateway's last committed
 * checkpoint (its persisted breaker snapshot and its clock): the approval surface refuses a reset
 * the breaker would refuse anyway (closed, or open inside its cooldown) before a code is spent
 * and before anything is published. Pure: the checkpoint is read by the wiring.
 *
 * POLICY: the checkpoint can lag the gateway by a batch; the gateway clock only moves forward, so
 * a stale view can only refuse too early (ask again), never let through a reset the breaker would
 * not take. The breaker still decides (machines/breaker.machine.ts, refusal `cooldown`).
 */
import { formatUtc } from '../../adapters/time/clock.ts';
import type { ErrorCode } from '../domain/errors.ts';

/** What the surface needs: the breaker's state value, when its cooldown ends (open only) and the gateway clock. */
export interface BreakerView {
  state: string;
  /** trip time + cooldown on the gateway clock (epoch ms); null unless open */
  cooldownEndsAt: number | null;
  /** the gateway clock (latest data time it has seen, epoch ms) */
  clock: number;
}

/** The view from a persisted breaker snapshot and the gateway clock; an absent snapshot is a closed breaker. */
export function breakerView(snapshot: unknown, clock: number): BreakerView {
  const snap = snapshot as { value?: unknown; context?: { trip?: { at?: unknown } | null; thresholds?: { cooldownMs?: unknown } } } | null | undefined;
  const state = typeof snap?.value === 'string' ? snap.value : 'closed';
  const at = snap?.context?.trip?.at;
  const cooldown = snap?.context?.thresholds?.cooldownMs;
  const cooldownEndsAt = state === 'open' && typeof at === 'number' && typeof cooldown === 'number' ? at + cooldown : null;
  return { state, cooldownEndsAt, clock };
}

/** The refusal of a reset in this view, or undefined when the breaker would take it. */
export function resetRefusal(v: BreakerView): { code: ErrorCode; message: string; details: Record<string, unknown> } | undefined {
  if (v.state === 'closed') {
    return { code: 'FAKEOUT_ERR_BREAKER_NOT_OPEN', message: 'the circuit breaker is closed: there is nothing to reset', details: { field: 'breaker', state: v.state } };
  }
  // An open breaker whose cooldown is over by the gateway clock half-opens at the gateway's next
  // message (the reset itself): the breaker takes it.
  if (v.state === 'open' && v.cooldownEndsAt !== null && v.clock < v.cooldownEndsAt) {
    return {
      code: 'FAKEOUT_ERR_BREAKER_COOLDOWN',
      message: `the circuit breaker is open and cooling down until ${formatUtc(v.cooldownEndsAt)} by the gateway clock (now ${formatUtc(v.clock)}, ${Math.ceil((v.cooldownEndsAt - v.clock) / 1000)} s left): reset after that`,
      details: { field: 'breaker', state: v.state, cooldownEndsAt: v.cooldownEndsAt, gatewayClock: v.clock },
    };
  }
  return undefined;
}
