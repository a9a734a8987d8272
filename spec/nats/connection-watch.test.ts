/**
 * The connection watch the stages use to go `reconnecting`: which library errors mean "NATS is
 * unavailable for now", and the up/down state of a real connection across a server restart.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import { TimeoutError } from '@nats-io/transport-node';
import { isTransientNatsError, watchConnection } from '../../adapters/nats/connection-watch.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { startTestNats } from '../helpers/nats-server.ts';

const s = suite('connection watch');

s('timeouts, missed heartbeats and "JetStream unavailable" are transient, also as a cause; a refused request is not', () => {
  assert.ok(isTransientNatsError(new TimeoutError()));
  assert.ok(isTransientNatsError(new FakeoutError('FAKEOUT_ERR_NATS_CONNECT', 'reading RAW/x failed: timeout', { cause: new TimeoutError() })));
  assert.ok(isTransientNatsError(new JetStreamError('heartbeats missed')));
  assert.ok(isTransientNatsError(new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' })));
  assert.not.ok(isTransientNatsError(new JetStreamApiError({ code: 400, err_code: 10058, description: 'stream name already in use' })));
  assert.not.ok(isTransientNatsError(new FakeoutError('FAKEOUT_ERR_STAGE_FAULT', 'fault injected')));
  assert.not.ok(isTransientNatsError(new Error('timeout')), 'a plain error is not classified by its text');
});

s('a real connection goes down when its server stops and up again when it is back, once per drop', async () => {
  const t = await startTestNats();
  try {
    const watch = watchConnection(await t.connect());
    const seen: boolean[] = [];
    watch.onChange((up) => seen.push(up));
    assert.ok(watch.isUp());
    await t.server.stop();
    for (let i = 0; i < 100 && watch.isUp(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.not.ok(watch.isUp(), 'down while the server is stopped');
    const back = watch.whenUp();
    await t.restart();
    await back;
    assert.ok(watch.isUp());
    assert.equal(seen, [false, true]);
    assert.is(watch.drops(), 1);
  } finally {
    await t.cleanup();
  }
});

s.run();
