/**
 * The gateway lease machine (machines/lease.machine.ts) on a SimulatedClock, with scripted
 * acquire/renew answers: it holds the stages only while it holds the lease, renews every TTL/4,
 * fences before it waits again, ends the process when a fence hangs, and gives the key back on
 * shutdown. The timings are written out from the TTL here (T = 8 s: renew 2 s, retry 2 s,
 * fence 1 s), not read from leaseTimings.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
import { leaseMachine, leaseTimings, type AcquireOutcome, type LeaseEvent } from '../../machines/lease.machine.ts';

const s = suite('lease machine');
const TTL = 8_000;
const flush = () => new Promise((r) => setImmediate(r));

interface Script {
  acquire?: () => Promise<AcquireOutcome>;
  renew?: (revision: number) => Promise<number>;
  fence?: () => Promise<void>;
}

function start(script: Script = {}) {
  const clock = new SimulatedClock();
  const log: string[] = [];
  let holding = 0;
  let heldFailed: ((error: string) => void) | undefined;
  const machine = leaseMachine.provide({
    actors: {
      acquire: fromPromise(async () => {
        log.push('acquire');
        return (script.acquire ?? (async () => ({ held: true as const, revision: 1, ttlMs: TTL })))();
      }),
      renew: fromPromise(async ({ input }: { input: { revision: number; timeoutMs: number } }) => {
        log.push(`renew ${input.revision} within ${input.timeoutMs}`);
        return (script.renew ?? (async (r: number) => r + 1))(input.revision);
      }),
      hold: fromCallback<LeaseEvent, void>(({ sendBack }) => {
        holding += 1;
        log.push('hold');
        heldFailed = (error) => sendBack({ type: 'HELD_FAILED', error });
        return () => void (holding -= 1);
      }),
      fence: fromPromise(async () => {
        log.push('fence');
        await (script.fence ?? (async () => undefined))();
        log.push('fenced');
      }),
      release: fromPromise<void, { revision: number | undefined }>(async ({ input }) => {
        log.push(`release ${input.revision}`);
      }),
    },
    actions: { hardFence: () => void log.push('hardFence') },
  });
  const actor = createActor(machine, { clock, input: { name: 'gateway.paper', ttlMs: TTL } }).start();
  return { actor, clock, log, holding: () => holding, failHeld: (e: string) => heldFailed!(e), value: () => actor.getSnapshot().value, ctx: () => actor.getSnapshot().context };
}

s('the timings from the TTL: renew and retry every T/4, a fence gets T/8, a dead holder is replaced within T + T/4', () => {
  assert.equal(leaseTimings(8_000), { renewMs: 2_000, retryMs: 2_000, fenceDeadlineMs: 1_000, worstTakeoverMs: 10_000 });
  assert.equal(leaseTimings(10_000), { renewMs: 2_500, retryMs: 2_500, fenceDeadlineMs: 1_250, worstTakeoverMs: 12_500 });
});

s('acquires at start, holds the stages, and renews every 2 s with its last revision', async () => {
  const l = start();
  await flush();
  assert.equal(l.value(), { active: 'holding' });
  assert.is(l.holding(), 1);
  l.clock.increment(1_999);
  await flush();
  assert.equal(l.log, ['acquire', 'hold'], 'no renewal before T/4');
  l.clock.increment(1);
  await flush();
  l.clock.increment(2_000);
  await flush();
  assert.equal(l.log, ['acquire', 'hold', 'renew 1 within 2000', 'renew 2 within 2000']);
  assert.equal(l.value(), { active: 'holding' });
  assert.is(l.holding(), 1, 'the stages are started once, not per renewal');
  assert.is(l.ctx().revision, 3);
});

s('while another process holds the key: standby, no stages, a new attempt every 2 s until the key is free', async () => {
  let free = false;
  const l = start({ acquire: async () => (free ? { held: true, revision: 7, ttlMs: TTL } : { held: false, by: 'other-host:/data', ttlMs: TTL }) });
  await flush();
  assert.is(l.value(), 'standby');
  assert.is(l.ctx().heldBy, 'other-host:/data');
  l.clock.increment(2_000);
  await flush();
  assert.is(l.value(), 'standby');
  assert.equal(l.log, ['acquire', 'acquire']);
  free = true;
  l.clock.increment(2_000);
  await flush();
  assert.equal(l.value(), { active: 'holding' });
  assert.equal(l.log, ['acquire', 'acquire', 'acquire', 'hold']);
  assert.equal([l.ctx().revision, l.ctx().acquisitions, l.ctx().heldBy], [7, 1, undefined]);
  assert.is(l.holding(), 1);
});

s('an acquire that errors (NATS away) waits as a standby and tries again', async () => {
  let calls = 0;
  const l = start({ acquire: async () => (++calls === 1 ? Promise.reject(new Error('no responders')) : { held: true, revision: 1, ttlMs: TTL }) });
  await flush();
  assert.is(l.value(), 'standby');
  assert.match(l.ctx().error!, /acquire failed: no responders/);
  l.clock.increment(2_000);
  await flush();
  assert.equal(l.value(), { active: 'holding' });
});

s('a failed renewal: lost, the stages are fenced before anything else, then standby (no release with a stale revision)', async () => {
  let fenceDone!: () => void;
  const l = start({ renew: async () => Promise.reject(new Error('wrong last sequence: 9')), fence: () => new Promise<void>((r) => (fenceDone = r)) });
  await flush();
  l.clock.increment(2_000);
  await flush();
  assert.is(l.value(), 'lost');
  assert.is(l.holding(), 0, 'the hold actor ended with active');
  assert.match(l.ctx().error!, /renewal failed: wrong last sequence/);
  assert.is(l.ctx().revision, undefined);
  l.clock.increment(999);
  await flush();
  assert.ok(!l.log.includes('hardFence'), 'the fence has 1 s');
  fenceDone();
  await flush();
  assert.is(l.value(), 'standby');
  l.clock.increment(10_000);
  await flush();
  assert.equal(l.log.slice(0, 5), ['acquire', 'hold', 'renew 1 within 2000', 'fence', 'fenced']);
  assert.ok(!l.log.some((e) => e.startsWith('release')), 'never released');
  assert.ok(!l.log.includes('hardFence'));
});

s('a fence still running 1 s after the loss ends the process (hardFence)', async () => {
  const l = start({ renew: async () => Promise.reject(new Error('timeout')), fence: () => new Promise<void>(() => undefined) });
  await flush();
  l.clock.increment(2_000);
  await flush();
  l.clock.increment(999);
  assert.ok(!l.log.includes('hardFence'));
  l.clock.increment(1);
  assert.equal(l.log.filter((e) => e === 'hardFence'), ['hardFence']);
  assert.is(l.value(), 'lost');
});

s('STOP while holding: fence, then release with the current revision, then stopped', async () => {
  const l = start();
  await flush();
  l.clock.increment(2_000);
  await flush();
  l.actor.send({ type: 'STOP' });
  await flush();
  await flush();
  assert.is(l.value(), 'stopped');
  assert.equal(l.log, ['acquire', 'hold', 'renew 1 within 2000', 'fence', 'fenced', 'release 2']);
});

s('STOP as a standby: nothing to fence or release', async () => {
  const l = start({ acquire: async () => ({ held: false, by: 'x', ttlMs: TTL }) });
  await flush();
  l.actor.send({ type: 'STOP' });
  assert.is(l.value(), 'stopped');
  assert.equal(l.log, ['acquire']);
});

s('the held stages giving up: fence, release, failed with the reason (the supervisor restarts it)', async () => {
  const l = start();
  await flush();
  l.failHeld('execution gave up');
  await flush();
  await flush();
  assert.is(l.value(), 'failed');
  assert.match(l.ctx().error!, /the held stages gave up: execution gave up/);
  assert.equal(l.log, ['acquire', 'hold', 'fence', 'fenced', 'release 1']);
});

s('an injected fault while holding fences first too', async () => {
  const l = start();
  await flush();
  l.actor.send({ type: 'FAULT', reason: 'test' });
  await flush();
  await flush();
  assert.is(l.value(), 'failed');
  assert.equal(l.log, ['acquire', 'hold', 'fence', 'fenced', 'release 1']);
});

s.run();
