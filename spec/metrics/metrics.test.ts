import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMetrics, STAGE_DURATION_BUCKETS } from '../../adapters/metrics/index.ts';
import type { Metrics } from '../../adapters/metrics/index.ts';

const s = suite('metrics');

async function stateValues(m: Metrics, actor: string): Promise<Record<string, number>> {
  const { values } = await m.actorState.get();
  return Object.fromEntries(values.filter((v) => v.labels.actor === actor).map((v) => [String(v.labels.state), v.value]));
}

s('the render names every fakeout family with its type, and the default process metrics', async () => {
  const m = createMetrics();
  const text = await m.render();
  for (const line of [
    '# TYPE fakeout_actor_restarts_total counter',
    '# TYPE fakeout_actor_state gauge',
    '# TYPE fakeout_stage_duration_seconds histogram',
    '# TYPE fakeout_stage_messages_total counter',
    '# TYPE fakeout_consumer_pending gauge',
    '# TYPE fakeout_ingested_total counter',
    '# TYPE fakeout_supervision_events_total counter',
    '# TYPE fakeout_signals_total counter',
    '# TYPE fakeout_scores_total counter',
    '# TYPE fakeout_orders_total counter',
    '# TYPE fakeout_fills_total counter',
    '# TYPE fakeout_gate_state gauge',
    '# TYPE fakeout_breaker_state gauge',
    '# TYPE process_resident_memory_bytes gauge',
    '# TYPE nodejs_eventloop_lag_seconds gauge',
  ]) {
    assert.ok(text.includes(`${line}\n`), line);
  }
  assert.is(m.contentType, 'text/plain; version=0.0.4; charset=utf-8');
});

s('a clock verdict is counted by kind and its offset kept; a verdict without an offset leaves the last one', async () => {
  const m = createMetrics();
  assert.equal((await m.clockVerdicts.get()).values.map((v) => [v.labels.verdict, v.value]), [['ok', 0], ['warn', 0], ['trip', 0]]);
  m.recordClockVerdict('warn', 250.5);
  m.recordClockVerdict('trip', null);
  const text = await m.render();
  assert.match(text, '\nfakeout_clock_offset_seconds 0.2505\n');
  assert.match(text, '\nfakeout_clock_verdicts_total{verdict="warn"} 1\n');
  assert.match(text, '\nfakeout_clock_verdicts_total{verdict="trip"} 1\n');
  assert.match(text, '\nfakeout_clock_verdicts_total{verdict="ok"} 0\n');
});

s('setActorState sets the current state to 1 and the states left behind to 0', async () => {
  const m = createMetrics();
  m.setActorState('bar-builder', 'starting');
  assert.equal(await stateValues(m, 'bar-builder'), { starting: 1 });
  m.setActorState('bar-builder', 'running');
  assert.equal(await stateValues(m, 'bar-builder'), { starting: 0, running: 1 });
  m.setActorState('bar-builder', 'starting');
  assert.equal(await stateValues(m, 'bar-builder'), { starting: 1, running: 0 });
});

s('setActorState on one actor leaves the others alone', async () => {
  const m = createMetrics();
  m.setActorState('bar-builder', 'running');
  m.setActorState('scoring-engine', 'failed');
  m.setActorState('scoring-engine', 'starting');
  assert.equal(await stateValues(m, 'bar-builder'), { running: 1 });
  assert.equal(await stateValues(m, 'scoring-engine'), { failed: 0, starting: 1 });
  assert.ok((await m.render()).includes('fakeout_actor_state{actor="bar-builder",state="running"} 1\n'));
});

s('every ingest source/outcome series exists at 0 before anything is ingested', async () => {
  const m = createMetrics();
  const { values } = await m.ingested.get();
  assert.is(values.length, 14); // 2 sources × 7 outcomes (accepted, duplicate, rejected, forbidden, rate_limited, bad_row, failed)
  assert.ok(values.every((v) => v.value === 0));
  assert.ok((await m.render()).includes('fakeout_ingested_total{source="replay",outcome="bad_row"} 0\n'));
});

s('stage durations fall in buckets from 0.5 ms to 5 s', async () => {
  const m = createMetrics();
  assert.is(STAGE_DURATION_BUCKETS[0], 0.0005);
  assert.is(STAGE_DURATION_BUCKETS[STAGE_DURATION_BUCKETS.length - 1], 5);
  m.stageDuration.observe({ stage: 'feature-engine' }, 0.003);
  const text = await m.render();
  // 3 ms: above the 2.5 ms bound, within the 5 ms one (cumulative buckets)
  assert.ok(text.includes('fakeout_stage_duration_seconds_bucket{le="0.0025",stage="feature-engine"} 0\n'));
  assert.ok(text.includes('fakeout_stage_duration_seconds_bucket{le="0.005",stage="feature-engine"} 1\n'));
  assert.ok(text.includes('fakeout_stage_duration_seconds_bucket{le="5",stage="feature-engine"} 1\n'));
  assert.ok(text.includes('fakeout_stage_duration_seconds_count{stage="feature-engine"} 1\n'));
});

s('counters without labels and with labels add up', async () => {
  const m = createMetrics();
  m.signals.inc();
  m.signals.inc();
  m.scores.inc(5);
  m.stageMessages.inc({ stage: 'scoring-engine', outcome: 'processed' }, 3);
  m.actorRestarts.inc({ actor: 'bar-builder' });
  m.supervisionEvents.inc({ type: 'restart' });
  m.consumerPending.set({ consumer: 'bar-builder' }, 42);
  const text = await m.render();
  for (const line of [
    'fakeout_signals_total 2',
    'fakeout_scores_total 5',
    'fakeout_stage_messages_total{stage="scoring-engine",outcome="processed"} 3',
    'fakeout_actor_restarts_total{actor="bar-builder"} 1',
    'fakeout_supervision_events_total{type="restart"} 1',
    'fakeout_consumer_pending{consumer="bar-builder"} 42',
  ]) {
    assert.ok(text.includes(`${line}\n`), line);
  }
});

s('two metric sets do not share a registry or values', async () => {
  const a = createMetrics();
  const b = createMetrics();
  assert.is.not(a.registry, b.registry);
  a.signals.inc();
  assert.ok((await a.render()).includes('fakeout_signals_total 1\n'));
  assert.ok((await b.render()).includes('fakeout_signals_total 0\n'));
});

s.run();
