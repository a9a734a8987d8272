/**
 * Fault injection during a replay: the supervisor restarts the crashed stage and the final
 * bars, scores and signals are identical to a run without faults — nothing lost, nothing
 * duplicated, in Postgres or on SIGNALS.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNode } from '../../actors/app/app.ts';
import { startTestApp, writeFtxSlice, type TestApp } from '../helpers/app.ts';
import { dumpState, type StoredState } from './expected.ts';
import type { SupervisionEvent } from '../../supervision/index.ts';

const s = suite('fault injection');
const ROWS = 6000;
let dir = '';
let slicePath = '';
let baseline: StoredState;

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * The pipeline role only, and up to 15 s for a fault to reach the stage's loop (a batch on a
 * loaded machine can take longer than the supervisor's default 1 s, which would force the crash).
 * The pipeline role because the faults and every assertion are about the pipeline's stages and what
 * they store, and the execution side following SIGNALS costs several times the pipeline's CPU in a
 * replay (its crash and kill tests are execution.e2e and gateway-process.e2e).
 */
const start = (onSupervision: (e: SupervisionEvent) => void) =>
  startTestApp({ replay: [{ path: slicePath, symbol: 'BTC-PERP' }], env: { FAKEOUT_ROLE: 'pipeline' }, onSupervision, faultTimeoutMs: 15_000 });

/** Where one injected fault landed, read from the supervision events (not from our own bookkeeping). */
interface Landing {
  stage: string;
  /** the runner's step the crash happened at: after-publish, after-commit or idle */
  point: string;
  /** a `restarted` event for the same path followed the crash */
  restarted: boolean;
}

/** Reads the supervision events: each crash of a stage by an injected fault, where it fired, and whether a restart followed. */
function landings(events: SupervisionEvent[]): Landing[] {
  const out: Landing[] = [];
  events.forEach((e, i) => {
    if (e.type !== 'crashed') return;
    const stage = e.path.split('/').pop()!;
    const m = /fault injected into ([a-z-]+) \(([a-z-]+)\)/.exec(e.reason ?? '');
    // A crash that does not name the runner's step was forced by the supervisor's timeout: the
    // fault never reached the loop, and the test must say so rather than count it.
    const point = m && m[1] === stage ? m[2]! : `forced (${e.reason})`;
    const restarted = events.slice(i + 1).some((later) => later.type === 'restarted' && later.path === e.path);
    out.push({ stage, point, restarted });
  });
  return out;
}

async function run(fault?: { stage: string; times: number }): Promise<{ state: StoredState; landed: Landing[] }> {
  const events: SupervisionEvent[] = [];
  const t: TestApp = await start((e) => events.push(e));
  try {
    if (fault) {
      const path = `fakeout/pipeline/${fault.stage}`;
      for (let injected = 0; injected < fault.times; ) {
        await wait(250);
        const node = findNode(t.app.tree(), fault.stage)!;
        if (node.status === 'running' && node.state === 'running') {
          assert.ok(t.app.supervisor.injectFault(path, `test fault ${injected + 1}`), 'the supervisor accepted the fault');
          injected++;
          // let it crash and come back before the next one
          for (let i = 0; i < 200 && findNode(t.app.tree(), fault.stage)!.restarts < injected; i++) await wait(100);
        }
      }
    }
    await t.app.waitForIdle({ timeoutMs: 180_000, pollMs: 100 });
    return { state: await dumpState(t.app), landed: landings(events) };
  } finally {
    await t.cleanup();
  }
}

/** Every crash was one of ours, landed in the runner's loop (not forced) and was followed by a restart. */
function assertLanded(landed: Landing[], stage: string, times: number) {
  const mine = landed.filter((l) => l.stage === stage);
  assert.is(mine.length, times, `${stage} crashed ${times} times (got ${JSON.stringify(landed)})`);
  for (const l of mine) {
    assert.ok(l.point === 'after-publish' || l.point === 'after-commit', `${stage} fault landed in a dangerous window, not ${l.point}`);
    assert.ok(l.restarted, `${stage} was restarted after the crash at ${l.point}`);
  }
  const points = new Set(mine.map((l) => l.point));
  assert.ok(points.has('after-publish') && points.has('after-commit'), `${stage}: faults hit both windows (${[...points].join(', ')})`);
  assert.is(landed.length, mine.length, 'no other actor crashed');
}

function assertSame(got: StoredState, want: StoredState) {
  assert.is(got.rawEvents, want.rawEvents, 'raw events');
  assert.is(got.bars.length, want.bars.length, 'bar count');
  assert.equal(got.bars, want.bars, 'bars identical');
  assert.equal(got.scores, want.scores, 'scores identical');
  assert.equal(got.signals, want.signals, 'signals identical');
  assert.is(got.signalMessages.length, new Set(got.signalMessages).size, 'no signal twice on SIGNALS');
  assert.equal([...got.signalMessages].sort(), [...want.signalMessages].sort(), 'SIGNALS identical');
}

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-faults-'));
  slicePath = writeFtxSlice(dir, ROWS).path;
  baseline = (await run()).state;
});

s.after(() => rmSync(dir, { recursive: true, force: true }));

s('a run without faults produces bars, scores and signals', () => {
  assert.ok(baseline.bars.length > ROWS, 'bars of every timeframe');
  assert.ok(baseline.signals.length > 0);
});

s('crashing the feature-engine three times mid-replay changes nothing in the result', async () => {
  const { state, landed } = await run({ stage: 'feature-engine', times: 3 });
  assertLanded(landed, 'feature-engine', 3);
  assertSame(state, baseline);
});

s('crashing the bar-builder three times mid-replay changes nothing in the result', async () => {
  const { state, landed } = await run({ stage: 'bar-builder', times: 3 });
  assertLanded(landed, 'bar-builder', 3);
  assertSame(state, baseline);
});

/**
 * The raw-archiver is the first stage and the fastest: on an idle machine it can archive the whole
 * replay before a second fault reaches it, and a fault into an idle stage lands at `idle`, which
 * proves nothing about the dangerous windows. So it is paused (a machine state) until the replay has
 * published every row, and its two faults go in while that backlog drains; the scoring-engine's two
 * go in meanwhile, the rest of the pipeline not depending on the archiver.
 */
s('crashing the scoring-engine and the raw-archiver changes nothing in the result', async () => {
  const events: SupervisionEvent[] = [];
  const t = await start((e) => events.push(e));
  const stateOf = (stage: string) => findNode(t.app.tree(), stage)?.state;
  const crash = async (stage: string, settleMs: number) => {
    const before = landings(events).filter((l) => l.stage === stage).length;
    for (let i = 0; i < 200 && stateOf(stage) !== 'running'; i++) await wait(20);
    if (settleMs > 0) await wait(settleMs);
    assert.ok(t.app.supervisor.injectFault(`fakeout/pipeline/${stage}`, 'test'), `${stage} accepted the fault`);
    for (let i = 0; i < 200 && landings(events).filter((l) => l.stage === stage && l.restarted).length <= before; i++) await wait(100);
  };
  try {
    for (let i = 0; i < 200 && stateOf('raw-archiver') !== 'running'; i++) await wait(20);
    t.app.supervisor.get('fakeout/pipeline/raw-archiver')!.send({ type: 'PAUSE' });
    assert.is(stateOf('raw-archiver'), 'paused', 'the raw-archiver is paused');
    await crash('scoring-engine', 300);
    await crash('scoring-engine', 300);
    for (let i = 0; i < 1800 && findNode(t.app.tree(), 'replay')?.status !== 'stopped'; i++) await wait(100);
    assert.is(stateOf('raw-archiver'), 'paused', 'the raw-archiver stayed paused through the replay');
    t.app.supervisor.get('fakeout/pipeline/raw-archiver')!.send({ type: 'RESUME' });
    await crash('raw-archiver', 0);
    await crash('raw-archiver', 0);
    await t.app.waitForIdle({ timeoutMs: 180_000, pollMs: 100 });
    const landed = landings(events);
    for (const stage of ['scoring-engine', 'raw-archiver']) {
      const mine = landed.filter((l) => l.stage === stage);
      assert.is(mine.length, 2, `${stage} crashed twice (got ${JSON.stringify(landed)})`);
      for (const l of mine) {
        assert.ok(l.point === 'after-publish' || l.point === 'after-commit', `${stage} fault landed in a dangerous window, not ${l.point}`);
        assert.ok(l.restarted, `${stage} restarted after ${l.point}`);
      }
      assert.equal(new Set(mine.map((l) => l.point)).size, 2, `${stage}: one fault after the publish, one after the commit`);
    }
    assert.is(landed.length, 4, 'no other actor crashed');
    assertSame(await dumpState(t.app), baseline);
  } finally {
    await t.cleanup();
  }
});

s.run();
