/**
 * A nats-server restarted under a running pipeline (NATS_URL: the server outlives nothing, it is
 * simply gone for a while): every stage shows `reconnecting` while it is down, carries on once
 * it is back, and the supervisor restarts no stage. The final state is exact.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { SupervisionEvent } from '../../supervision/index.ts';
import { startTestApp, writeFtxSlice } from '../helpers/app.ts';
import { natsPasswordEnv, startTestNats } from '../helpers/nats-server.ts';
import { actorNode, crashesOf, PIPELINE_STAGES, recordStates } from '../helpers/stage-states.ts';
import { dumpState, expectedBars, expectedSignals, sameBar } from './expected.ts';

const s = suite('nats-server restart under a running pipeline');
const ROWS = 3000;

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

s('the stages go reconnecting while the server is down and resume without a crash or a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-reconnect-'));
  const nats = await startTestNats();
  const events: SupervisionEvent[] = [];
  const slice = writeFtxSlice(dir, ROWS);
  const t = await startTestApp({
    // role pipeline: the stages from RAW to SIGNALS (the gateway's own process has the same stage runner)
    env: { NATS_URL: nats.url, ...natsPasswordEnv(nats.users), FAKEOUT_ROLE: 'pipeline' },
    replay: [{ path: slice.path, symbol: 'BTC-PERP' }],
    onSupervision: (e) => events.push(e),
  });
  const states = recordStates(() => t.app.tree());
  try {
    const raw = async () => (await sql<{ n: number }>`select count(*)::int as n from raw_events`.execute(t.app.database.db)).rows[0]!.n;
    await until('the replay to be under way', 60_000, async () => (await raw()) >= 300);
    const url = t.app.httpUrl()!;
    await nats.server.stop();
    // While it is down, GET /actors shows the stages reconnecting (and none failed).
    await until('a stage shown reconnecting by GET /actors', 10_000, async () => (await actorNode(url, 'bar-builder'))?.state === 'reconnecting');
    await new Promise((r) => setTimeout(r, 1_000));
    await nats.restart();
    await until('every stage running again', 30_000, async () => {
      for (const id of PIPELINE_STAGES) if ((await actorNode(url, id))?.state !== 'running') return false;
      return true;
    });
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    states.stop();

    for (const id of PIPELINE_STAGES) {
      assert.ok(states.seen(id).includes('reconnecting'), `${id} passed through reconnecting (seen: ${states.seen(id).join(', ')})`);
      assert.ok(!states.seen(id).includes('failed'), `${id} never failed`);
      assert.is((await actorNode(url, id))?.state, 'running', `${id} runs again`);
    }
    assert.equal(crashesOf(events, PIPELINE_STAGES), [], 'no stage crashed or was restarted');

    const state = await dumpState(t.app);
    const want = expectedBars('BTC-PERP', slice.rows);
    assert.is(state.rawEvents, ROWS, 'every row archived once');
    assert.is(state.bars.length, want.size);
    for (const bar of state.bars) assert.ok(sameBar(bar, want.get(bar.id)!), `bar ${bar.id}`);
    const signals = expectedSignals(want.values()).map((x) => x.id).sort();
    assert.equal(state.signals.map((x) => x.id), signals, 'the expected signals');
    assert.equal([...state.signalMessages].sort(), signals, 'SIGNALS holds each signal once');
  } finally {
    states.stop();
    await t.cleanup();
    await nats.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
