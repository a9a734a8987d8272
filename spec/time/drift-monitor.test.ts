/**
 * The drift monitor corrects the process clock: against the test SNTP responder (real UDP) and a
 * real nats-server for the trip, a usable offset is accepted into the CorrectedClock, a tripping
 * one and a silent server are not.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DriftVerdict } from '../../adapters/time/drift.ts';
import { CorrectedClock } from '../../adapters/time/clock.ts';
import { createBus, type NatsBus } from '../../adapters/nats/bus.ts';
import type { Logger } from '../../actors/stage/ports.ts';
import { startDriftMonitorActor } from '../../actors/time/drift-monitor.actor.ts';
import { startTestJetStream, type TestNats } from '../helpers/nats-server.ts';
import { startTestResponder } from '../helpers/sntp-responder.ts';

interface Line { level: string; obj: unknown; msg: string | undefined }

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj, msg });
  const log: Logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), child: () => log };
  return log;
}

/** Runs the monitor until it has judged `n` measurements, then stops it. */
async function judge(bus: NatsBus, clock: CorrectedClock, offsetMs: number | 'silent', n: number, lines: Line[], noAnswerMs = 900_000): Promise<DriftVerdict[]> {
  const r = await startTestResponder(offsetMs === 'silent' ? { misbehave: { kind: 'silent' } } : { offsetMs });
  const verdicts: DriftVerdict[] = [];
  let done!: () => void;
  const judged = new Promise<void>((res) => (done = res));
  const actor = startDriftMonitorActor({
    bus, clock, log: recordingLogger(lines), servers: [{ host: '127.0.0.1', port: r.port }], samples: 2, timeoutMs: offsetMs === 'silent' ? 200 : 3000, intervalMs: 300,
    thresholds: { warnMs: 100, tripMs: 1000, noAnswerMs },
    onVerdict: (v) => {
      verdicts.push(v);
      if (verdicts.length === n) done();
    },
  });
  try {
    await judged;
  } finally {
    actor.stop();
    await r.close();
  }
  return verdicts;
}

const firstAccepted = (lines: Line[]) => lines.filter((l) => l.level === 'info' && l.msg?.startsWith('time oracle: first offset accepted')).length;

const s = suite<{ t: TestNats; bus: NatsBus; orders: NatsBus }>('drift monitor corrects the clock');
s.before(async (ctx) => {
  const { t } = await startTestJetStream();
  ctx.t = t;
  ctx.bus = await createBus(await t.connect('pipeline'));
  // the pipeline user may publish risk.trip.* but not read ORDERS (nats.conf); read it as admin
  ctx.orders = await createBus(await t.connect('admin'));
});
s.after(async (ctx) => ctx.t?.cleanup());

s('a usable offset (+250 ms: warn, not trip) is accepted: now() is the system clock + 250 ms, logged once', async ({ bus }) => {
  const clock = new CorrectedClock();
  const lines: Line[] = [];
  const verdicts = await judge(bus, clock, 250, 2, lines);
  assert.equal(verdicts.map((v) => v.kind), ['warn', 'warn']);
  assert.ok(clock.corrected);
  assert.ok(Math.abs(clock.offsetMs - 250) < 5, `offset ${clock.offsetMs} within 5 ms of 250`);
  const st = clock.stamp();
  assert.is(st.correctedAt - st.receivedAt, Math.round(st.receivedAt + clock.offsetMs) - st.receivedAt);
  assert.ok(Math.abs(clock.now() - Date.now() - 250) < 10);
  assert.is(firstAccepted(lines), 1, 'the first acceptance is logged once, not per measurement');
});

s('an offset beyond the trip threshold (+5 s) is not accepted: the clock keeps its last good offset, and the trip is published', async ({ bus, orders }) => {
  const clock = new CorrectedClock();
  clock.accept(40);
  const lines: Line[] = [];
  const verdicts = await judge(bus, clock, 5000, 1, lines);
  assert.is(verdicts[0]?.kind, 'trip');
  assert.is(clock.offsetMs, 40);
  assert.is(firstAccepted(lines), 0);
  const trip = await orders.lastMessage('ORDERS', 'risk.trip.clock');
  assert.match(String((trip?.value as { reason?: unknown } | undefined)?.reason), /^offset (49\d\d|50\d\d) ms beyond 1000 ms$/);
});

s('with no server answering nothing is accepted (still uncorrected)', async ({ bus }) => {
  const clock = new CorrectedClock();
  const lines: Line[] = [];
  const verdicts = await judge(bus, clock, 'silent', 1, lines);
  assert.is(verdicts[0]?.kind, 'ok');
  assert.is(clock.corrected, false);
  assert.is(clock.offsetMs, 0);
  assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'time oracle: no NTP server answered'));
});

s('no server answering for longer than the no-answer limit trips the breaker with reason clock (test responder, silent)', async ({ bus, orders }) => {
  const clock = new CorrectedClock();
  const lines: Line[] = [];
  // each measurement takes ~400 ms (2 samples, 200 ms timeout) and they come every 300 ms: the
  // first verdicts fall within the 1 s limit, a later one is past it
  const verdicts = await judge(bus, clock, 'silent', 5, lines, 1000);
  const kinds = verdicts.map((v) => (v.kind === 'trip' ? `trip:${v.cause}` : v.kind));
  assert.is(kinds[0], 'ok', 'within the limit: not yet a trip');
  assert.is(kinds.at(-1), 'trip:no-answer', kinds.join(' '));
  const trip = (await orders.lastMessage('ORDERS', 'risk.trip.clock'))?.value as { reason: string; figures: Record<string, number> } | undefined;
  assert.match(String(trip?.reason), /^no NTP answer for \d+ s$/, `the last trip on ORDERS: ${JSON.stringify(trip)}`);
  const since = trip!.figures.sinceLastGoodMs!;
  assert.ok(since > 1000, `since the last answer ${since} ms`);
  assert.is(trip!.figures.noAnswerMs, 1000);
  assert.is('offsetMs' in trip!.figures, false, 'no offset was ever accepted');
  assert.is(clock.corrected, false);
});

s.run();
