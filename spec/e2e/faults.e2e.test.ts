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

const s = suite('fault injection');
const ROWS = 6000;
let dir = '';
let slicePath = '';
let baseline: StoredState;

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(fault?: { stage: string; times: number }): Promise<{ state: StoredState; restarts: number }> {
  const t: TestApp = await startTestApp({ replay: [{ path: slicePath, symbol: 'BTC-PERP' }] });
  try {
    let restarts = 0;
    if (fault) {
      const path = `fakeout/pipeline/${fault.stage}`;
      for (let injected = 0; injected < fault.times; ) {
        await wait(250);
        const node = findNode(t.app.tree(), fault.stage)!;
        if (node.status === 'running' && node.state === 'running' && t.app.supervisor.injectFault(path, `test fault ${injected + 1}`)) {
          injected++;
          // let it crash and come back before the next one
          for (let i = 0; i < 40 && findNode(t.app.tree(), fault.stage)!.restarts < injected; i++) await wait(100);
        }
      }
    }
    await t.app.waitForIdle({ timeoutMs: 180_000 });
    restarts = findNode(t.app.tree(), fault?.stage ?? 'bar-builder')!.restarts;
    return { state: await dumpState(t.app), restarts };
  } finally {
    await t.cleanup();
  }
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
  const { state, restarts } = await run({ stage: 'feature-engine', times: 3 });
  assert.ok(restarts >= 3, `restarted ${restarts} times`);
  assertSame(state, baseline);
});

s('crashing the bar-builder three times mid-replay changes nothing in the result', async () => {
  const { state, restarts } = await run({ stage: 'bar-builder', times: 3 });
  assert.ok(restarts >= 3, `restarted ${restarts} times`);
  assertSame(state, baseline);
});

s('crashing the scoring-engine and the raw-archiver changes nothing in the result', async () => {
  const t = await startTestApp({ replay: [{ path: slicePath, symbol: 'BTC-PERP' }] });
  try {
    for (const stage of ['scoring-engine', 'raw-archiver', 'scoring-engine', 'raw-archiver']) {
      await wait(300);
      t.app.supervisor.injectFault(`fakeout/pipeline/${stage}`, 'test');
    }
    await t.app.waitForIdle({ timeoutMs: 180_000 });
    assertSame(await dumpState(t.app), baseline);
  } finally {
    await t.cleanup();
  }
});

s.run();
