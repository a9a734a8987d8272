/**
 * `npx fakeout start --inspect` (README "Stately inspector"): the real bin, on its own data
 * directory (embedded NATS, PGlite), prints the inspector relay's URLs; a WebSocket client
 * (`ws`, the package @statelyai/inspect itself uses: Node 20 has no global WebSocket) that
 * connects receives the inspection events of fakeout's own actors: the stage machines
 * announced with their definition and their snapshots. Without the flag there is no relay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { FAKEOUT_BIN, launch, waitForOutput, type Running } from '../helpers/process.ts';
import { serializeInspectionEvent, startInspectorRelay } from '../../adapters/inspect/inspector-relay.ts';
import { createActor, createMachine } from 'xstate';

const s = suite('stately inspector');

function env(dataDir: string): Record<string, string> {
  return { FAKEOUT_DATA_DIR: dataDir, PORT: '0', FAKEOUT_REPLAY: 'none', FAKEOUT_WEBHOOK_SECRET: 'test-secret-123', LOG_LEVEL: 'info', FAKEOUT_CLOCK_TICK: '3600', FAKEOUT_BAR_CLOCK_TICK: '0', DATABASE_URL: '', NATS_URL: '' };
}

async function stop(p: Running): Promise<void> {
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  await p.exited;
  clearTimeout(timer);
}

interface Event { type: string; name?: string; sessionId?: string; definition?: string; snapshot?: { value?: unknown; context?: { stage?: string } } }

/** Collects events from `url` until `done(events)` holds (or fails after `ms`). */
function collect(url: string, done: (events: Event[]) => boolean, ms = 30_000): Promise<Event[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const events: Event[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`only ${events.length} events in ${ms} ms: ${events.slice(0, 5).map((e) => e.type).join(', ')}`));
    }, ms);
    ws.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('message', (data: Buffer) => {
      events.push(JSON.parse(data.toString()) as Event);
      if (done(events)) {
        clearTimeout(timer);
        ws.close();
        resolve(events);
      }
    });
  });
}

const STAGES = ['raw-archiver', 'bar-builder', 'feature-engine', 'scoring-engine'];
const stagesAnnounced = (events: Event[]) =>
  new Set(events.filter((e) => e.type === '@xstate.actor' && e.name === 'stage').map((e) => e.snapshot?.context?.stage));

s('start --inspect serves a relay on 127.0.0.1 whose WebSocket carries the real actors\' inspection events', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fakeout-inspect-'));
  const p = launch(process.execPath, [FAKEOUT_BIN, 'start', '--inspect'], env(dataDir));
  try {
    await waitForOutput(p, (_out, err) => /Stately inspector: open (\S+) \(events on (\S+)\)/.test(err), 90_000);
    const [, viewer, url] = /Stately inspector: open (\S+) \(events on (\S+)\)/.exec(p.stderr())!;
    assert.match(url!, /^ws:\/\/127\.0\.0\.1:\d+$/);
    const page = await (await fetch(viewer!)).text();
    assert.match(page, 'https://stately.ai/inspect', 'the viewer page embeds the Stately inspector');
    const events = await collect(url!, (ev) => STAGES.every((st) => stagesAnnounced(ev).has(st)) && ev.some((e) => e.type === '@xstate.snapshot'));
    const stage = events.find((e) => e.type === '@xstate.actor' && e.name === 'stage')!;
    assert.match(stage.definition ?? '', '"id":"stage"', 'announced with its machine definition');
    assert.ok(events.some((e) => e.type === '@xstate.snapshot' && e.snapshot?.value !== undefined), 'snapshots with a state value');
  } finally {
    await stop(p);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

s('without --inspect (or FAKEOUT_INSPECT) no relay starts', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fakeout-inspect-off-'));
  const p = launch(process.execPath, [FAKEOUT_BIN, 'start'], env(dataDir));
  try {
    await waitForOutput(p, (_out, err) => err.includes('fakeout is up'), 90_000);
    await waitForOutput(p, (out) => out.length > 0, 60_000).catch(() => undefined); // the summary: start-up is over
    assert.not.match(p.stderr(), 'Stately inspector');
    assert.not.match(p.stdout() + p.stderr(), 'inspector relay');
  } finally {
    await stop(p);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

s('a client that connects late first gets every actor announced, then live events', async () => {
  const relay = await startInspectorRelay();
  try {
    const machine = createMachine({ id: 'toggle', initial: 'off', states: { off: { on: { T: 'on' } }, on: { on: { T: 'off' } } } });
    const actor = createActor(machine);
    relay.attach(actor);
    actor.start();
    actor.send({ type: 'T' });
    await new Promise((r) => setTimeout(r, 50)); // the inspector sends on the next tick
    const late = collect(relay.url, (ev) => ev.some((e) => e.type === '@xstate.snapshot' && e.snapshot?.value === 'off'), 5000);
    await new Promise((r) => setTimeout(r, 100));
    actor.send({ type: 'T' }); // on → off, after the client connected
    const events = await late;
    assert.is(events[0]!.type, '@xstate.actor', 'the announcement comes first');
    assert.is(events[0]!.name, 'toggle');
    assert.ok(events.some((e) => e.type === '@xstate.snapshot' && e.snapshot?.value === 'on'), 'what happened before it connected');
    actor.stop();
  } finally {
    await relay.stop();
  }
});

s('an inspection event with a cycle, a function or a bigint still serialises', () => {
  const context: Record<string, unknown> = { n: 10n, f: () => 1 };
  context.self = context;
  const text = serializeInspectionEvent({ type: '@xstate.snapshot', snapshot: { context } });
  assert.equal(JSON.parse(text), { type: '@xstate.snapshot', snapshot: { context: { n: '10', self: '[circular]' } } });
});

s.run();
