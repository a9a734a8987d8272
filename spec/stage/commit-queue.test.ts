/**
 * The group commit behind the publish (actors/stage/commit-queue.ts): when a transaction starts
 * (commitDue, a pure decision), and the queue's order, grouping, snapshot timing and failure
 * handling, with a hand-driven commit (no database, no timers unless asked). Expected values are
 * written out by hand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commitDue, CommitQueue, type CommitGroup } from '../../actors/stage/commit-queue.ts';

const s = suite('stage commit queue: commits behind the publish, in order, grouped');

const base = { waiting: 3, inFlight: false, applying: false, failed: false, flushing: false, sinceLastMs: 500, intervalMs: 100, limit: 1000 };

s('commitDue: starts once the interval since the previous transaction is over', () => {
  assert.equal(commitDue(base), { start: true });
  assert.equal(commitDue({ ...base, sinceLastMs: 100 }), { start: true });
  assert.equal(commitDue({ ...base, sinceLastMs: 30 }), { start: false, retryInMs: 70 });
});

s('commitDue: before the interval only when the limit waits or the runner stops', () => {
  assert.equal(commitDue({ ...base, sinceLastMs: 30, waiting: 1000 }), { start: true });
  assert.equal(commitDue({ ...base, sinceLastMs: 30, waiting: 999 }), { start: false, retryInMs: 70 });
  assert.equal(commitDue({ ...base, sinceLastMs: 30, flushing: true }), { start: true });
});

s('commitDue: never with nothing waiting, one under way, mid-batch or after a failure', () => {
  assert.equal(commitDue({ ...base, waiting: 0 }), { start: false });
  assert.equal(commitDue({ ...base, inFlight: true }), { start: false });
  assert.equal(commitDue({ ...base, applying: true }), { start: false });
  assert.equal(commitDue({ ...base, failed: true }), { start: false });
  assert.equal(commitDue({ ...base, waiting: 5000, flushing: true, applying: true }), { start: false });
});

interface Msg {
  seq: number;
  ack(): void;
  nak(): void;
}

/** A queue whose transactions the test ends by hand; records what each transaction held and each ack/nak. */
function rig(opts: { intervalMs?: number; limit?: number } = {}) {
  const log: string[] = [];
  const commits: { group: CommitGroup<string, Msg>; finish: (ok: boolean) => void }[] = [];
  let state = 0;
  const q = new CommitQueue<string, Msg>({
    intervalMs: opts.intervalMs ?? 0,
    limit: opts.limit ?? 1000,
    seal: () => ({ json: JSON.stringify({ state }) }),
    commit: (group) => new Promise<void>((resolve, reject) => {
      commits.push({
        group,
        finish: (ok) => {
          if (!ok) return reject(new Error('commit failed'));
          for (const m of group.acks) m.ack();
          resolve();
        },
      });
    }),
  });
  const msg = (seq: number): Msg => ({ seq, ack: () => log.push(`ack ${seq}`), nak: () => log.push(`nak ${seq}`) });
  /** the runner applying seqs (the processor state becomes the last seq), then handing the batch over */
  const batch = (...seqs: number[]) => {
    q.begin();
    state = seqs[seqs.length - 1]!;
    q.add({ outputs: seqs.map((n) => `out-${n}`), acks: seqs.map(msg), newLast: state, processed: seqs.length, skipped: 0, bad: 0, started: 0 });
  };
  return { q, log, commits, batch, setState: (n: number) => (state = n) };
}

const tick = () => new Promise((r) => setImmediate(r));

s('batches handed over during a transaction go into the next one, whose checkpoint is the state after the last of them', async () => {
  const { q, log, commits, batch } = rig();
  batch(1, 2);
  assert.is(commits.length, 1);
  assert.equal(commits[0]!.group.outputs, ['out-1', 'out-2']);
  batch(3);
  batch(4, 5);
  assert.is(commits.length, 1, 'one transaction at a time');
  assert.is(q.ahead, 5);
  commits[0]!.finish(true);
  await tick();
  assert.is(commits.length, 2);
  const second = commits[1]!.group;
  assert.equal(second.outputs, ['out-3', 'out-4', 'out-5']);
  assert.is(second.newLast, 5);
  assert.equal(second.sealed?.json, '{"state":5}');
  assert.is(second.batches, 2);
  commits[1]!.finish(true);
  await q.flush();
  assert.equal(log, ['ack 1', 'ack 2', 'ack 3', 'ack 4', 'ack 5']);
  assert.is(q.ahead, 0);
});

s('no state is captured while the runner is applying a batch: the commit waits for its hand-over', async () => {
  const { q, commits, batch, setState } = rig();
  batch(1);
  batch(2); // waits for the first transaction
  q.begin();
  setState(3); // batch 3 half applied when the first transaction ends
  commits[0]!.finish(true);
  await tick();
  assert.is(commits.length, 1, 'nothing sealed mid-batch');
  q.add({ outputs: ['out-3'], acks: [], newLast: 3, processed: 1, skipped: 0, bad: 0, started: 0 });
  assert.is(commits.length, 2);
  assert.equal(commits[1]!.group.outputs, ['out-2', 'out-3']);
  assert.equal(commits[1]!.group.sealed?.json, '{"state":3}');
  commits[1]!.finish(true);
  await q.flush();
});

s('a failed transaction naks its messages and everything after it, starts no other, and fails flush', async () => {
  const { q, log, commits, batch } = rig();
  const told: string[] = [];
  q.onFail(() => told.push('before'));
  const gone = q.onFail(() => told.push('unsubscribed'));
  gone();
  batch(1);
  batch(2);
  commits[0]!.finish(false);
  await tick();
  q.onFail(() => told.push('after'));
  assert.equal(told, ['before', 'after'], 'a fetch waiting on the queue hears of the failure, even one that asks after it');
  assert.is(commits.length, 1, 'no transaction after a failed one');
  assert.ok(q.failure);
  batch(3);
  assert.equal(log, ['nak 1', 'nak 2', 'nak 3']);
  try {
    await q.flush();
    assert.unreachable('flush must throw');
  } catch (err) {
    assert.is((err as Error).message, 'commit failed');
  }
});

s('abandon lets the transaction under way finish and naks what waits', async () => {
  const { q, log, commits, batch } = rig();
  batch(1);
  batch(2);
  const done = q.abandon();
  commits[0]!.finish(true);
  await done;
  assert.equal(log, ['nak 2', 'ack 1']);
  assert.is(commits.length, 1);
});

s('within the interval a transaction waits for it, unless the limit waits', async () => {
  const { q, commits, batch } = rig({ intervalMs: 60_000, limit: 3 });
  batch(1);
  commits[0]!.finish(true);
  await tick();
  batch(2);
  assert.is(commits.length, 1, 'the interval is not over');
  batch(3, 4);
  assert.is(commits.length, 2, 'three waiting reach the limit');
  assert.equal(commits[1]!.group.outputs, ['out-2', 'out-3', 'out-4']);
  commits[1]!.finish(true);
  await q.flush();
});

s('room waits until fewer than the limit are ahead', async () => {
  const { q, commits, batch } = rig();
  batch(1, 2);
  batch(3);
  let free = false;
  const room = q.room(3).then(() => (free = true));
  await tick();
  assert.is(free, false);
  commits[0]!.finish(true);
  await room;
  assert.is(q.ahead, 1);
  commits[1]!.finish(true);
  await q.flush();
});

/** `p`, or 'timed out' if it has not settled within `ms` (so a hang fails the test instead of wedging the suite). */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then(() => 'settled' as const, () => 'rejected' as const), new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), ms))]);

/** A batch whose every message was deferred (a gap): nothing applied, nothing to ack, nothing to store. */
const deferredOnly = { outputs: [], acks: [], newLast: undefined, processed: 0, skipped: 0, bad: 0, started: 0 };

s('flush ends after a batch with nothing in it (every message deferred, waiting for a gap): nothing is left to commit', async () => {
  const { q, log, commits, batch } = rig();
  batch(1);
  commits[0]!.finish(true);
  await tick();
  q.begin();
  q.add(deferredOnly);
  assert.is(q.ahead, 0, 'nothing waits for a commit');
  assert.is(await within(q.flush(), 200), 'settled', 'flush resolves (the stage can stop, pause or reconnect)');
  assert.is(commits.length, 1, 'no transaction for an empty batch');
  assert.equal(log, ['ack 1']);
});

s('flush ends when a deferred-only batch was handed over during a transaction', async () => {
  const { q, log, commits, batch } = rig();
  batch(1);
  q.begin();
  q.add(deferredOnly);
  const flushed = within(q.flush(), 200);
  commits[0]!.finish(true);
  assert.is(await flushed, 'settled');
  assert.is(commits.length, 1);
  assert.equal(log, ['ack 1']);
});

s('a deferred-only batch between two real ones changes nothing: the next one commits as usual', async () => {
  const { q, log, commits, batch } = rig();
  q.begin();
  q.add(deferredOnly);
  assert.is(commits.length, 0, 'nothing to commit yet');
  batch(1, 2);
  assert.is(commits.length, 1);
  assert.equal(commits[0]!.group.outputs, ['out-1', 'out-2']);
  assert.is(commits[0]!.group.newLast, 2);
  commits[0]!.finish(true);
  assert.is(await within(q.flush(), 200), 'settled');
  assert.equal(log, ['ack 1', 'ack 2']);
});

s('whatever the order of hand-overs (empty ones too), commit ends and interval timers, every message is acked once, in order, and flush ends', async () => {
  for (let seed = 1; seed <= 25; seed++) {
    // a small LCG, so a failing seed can be replayed
    let x = seed;
    const rand = (n: number) => Math.floor(((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    const { q, log, commits } = rig({ intervalMs: 3, limit: 4 });
    let next = 1;
    let finished = 0;
    for (let op = 0; op < 60; op++) {
      const r = rand(10);
      if (r < 5) {
        // the runner hands over a batch of 0..3 messages (0: every message deferred)
        const k = rand(4);
        const seqs = Array.from({ length: k }, () => next++);
        q.begin();
        q.add({ outputs: seqs.map((n) => `out-${n}`), acks: seqs.map((seq) => ({ seq, ack: () => log.push(`ack ${seq}`), nak: () => log.push(`nak ${seq}`) })), newLast: k > 0 ? seqs[k - 1] : undefined, processed: k, skipped: 0, bad: 0, started: 0 });
      } else if (r < 8) {
        if (finished < commits.length) commits[finished++]!.finish(true);
        await tick();
      } else {
        // past the interval nothing may just wait: a transaction is under way or nothing is handed over
        await new Promise((res) => setTimeout(res, 8));
        assert.ok(finished < commits.length || q.ahead === 0, `seed ${seed}, op ${op}: ${q.ahead} messages wait with no transaction under way`);
      }
    }
    // the runner stops: flush, the transactions ending as they start
    let done = false;
    const flushed = q.flush().then(() => (done = true));
    for (const end = performance.now() + 1_000; !done && performance.now() < end; ) {
      if (finished < commits.length) commits[finished++]!.finish(true);
      await new Promise((res) => setTimeout(res, 1));
    }
    assert.ok(done, `seed ${seed}: flush ended`);
    await flushed;
    assert.equal(log, Array.from({ length: next - 1 }, (_, i) => `ack ${i + 1}`), `seed ${seed}: every message acked once, in order`);
    assert.ok(commits.every((c) => c.group.acks.length > 0), `seed ${seed}: no transaction without a message`);
    assert.is(q.ahead, 0);
  }
});

s.run();
