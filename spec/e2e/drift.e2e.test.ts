/**
 * The drift monitor through a whole running app (real nats-server, Postgres, gateway): the time
 * oracle asks a TEST SNTP RESPONDER on loopback (spec/helpers/sntp-responder.ts, configured
 * +5,000 ms) at start; the offset is beyond FAKEOUT_CLOCK_TRIP_MS, so it publishes
 * `risk.trip.clock` and the breaker opens with the reason and the offset, the gate pauses.
 * The real-NTP-server cases (chronyd on loopback) are in spec/time/sntp-servers.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { gatewayMachines } from '../helpers/machines.ts';
import { startTestApp } from '../helpers/app.ts';
import { startTestResponder } from '../helpers/sntp-responder.ts';

const s = suite('drift monitor e2e');

s('a clock 5 s off by the test responder trips the breaker with reason clock and the offset; the gate pauses', async () => {
  const responder = await startTestResponder({ offsetMs: 5_000 });
  const t = await startTestApp({ env: { FAKEOUT_NTP_SERVERS: `127.0.0.1:${responder.port}`, FAKEOUT_NTP_SAMPLES: '2', FAKEOUT_CLOCK_WARN_MS: '100', FAKEOUT_CLOCK_TRIP_MS: '1000' } });
  try {
    const url = t.app.httpUrl()!;
    let m = await gatewayMachines(url);
    for (let i = 0; i < 100 && m?.breaker !== 'open'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      m = await gatewayMachines(url);
    }
    assert.equal(m, { gate: 'paused', breaker: 'open' });
    assert.ok(responder.requests() >= 2, 'the oracle asked the responder');
    // GET /actors shows the live processor's machines, which move while the batch is applied; its
    // audit entries are durable once the batch commits, a moment later
    const tripAudits = () => t.app.database.db.selectFrom('audit_log').select(['details']).where('action', '=', 'breaker.trip_requested').execute();
    let rows = await tripAudits();
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await tripAudits();
    }
    assert.is(rows.length >= 1, true, 'the trip request is in the audit log');
    const d = rows[0]!.details as { source: string; reason: string; figures: { offsetMs: number; tripMs: number } };
    assert.is(d.source, 'clock');
    assert.match(d.reason, /^offset \d+ ms beyond 1000 ms$/);
    assert.ok(Math.abs(d.figures.offsetMs - 5_000) < 20, `measured ${d.figures.offsetMs} ms, configured 5000`);
    assert.is(d.figures.tripMs, 1000);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /\nfakeout_clock_verdicts_total\{verdict="trip"\} [1-9]/);
    const offset = Number(/\nfakeout_clock_offset_seconds (\S+)\n/.exec(metrics)?.[1]);
    assert.ok(Math.abs(offset - 5) < 0.02, `fakeout_clock_offset_seconds ${offset}`);
  } finally {
    await t.cleanup();
    await responder.close();
  }
});

s.run();
