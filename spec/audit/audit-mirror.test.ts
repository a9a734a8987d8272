/**
 * The audit mirror's pure parts (actors/audit/audit-mirror.ts): subjects, the cursor read back,
 * and the plan, on both sides of agreement.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { auditMsgId, auditSubject, mirroredTail, planMirror } from '../../actors/audit/audit-mirror.ts';

const s = suite('audit mirror (pure)');
const H = (c: string) => c.repeat(64);

s('an action becomes audit.log.<tokens>, each token NATS-safe', () => {
  assert.is(auditSubject('gate.live'), 'audit.log.gate.live');
  assert.is(auditSubject('breaker.trip_requested'), 'audit.log.breaker.trip_requested');
  assert.is(auditSubject('odd action*>'), 'audit.log.odd_action__');
  assert.is(auditSubject('a..b'), 'audit.log.a._.b');
  assert.is(auditSubject('1.2.3.4.5.6.7.8.9.10'), 'audit.log.1.2.3.4.5.6.7.8', 'at most 8 tokens');
  assert.is(auditMsgId(42), 'audit:42');
});

s('the cursor is read from a mirrored row; anything else is not one', () => {
  assert.equal(mirroredTail({ seq: 7, rowSha256: H('a'), action: 'x' }), { seq: 7, rowSha256: H('a') });
  for (const v of [null, 'x', { seq: 0, rowSha256: H('a') }, { seq: 1.5, rowSha256: H('a') }, { seq: 3 }]) assert.is(mirroredTail(v), undefined, JSON.stringify(v));
});

s('the plan: an empty stream starts at 0; agreement resumes after the tail; each disagreement is named', () => {
  assert.equal(planMirror({ present: false, tail: undefined }, undefined), { kind: 'relay', after: 0 });
  assert.equal(planMirror({ present: true, tail: { seq: 9, rowSha256: H('b') } }, { seq: 9, rowSha256: H('b') }), { kind: 'relay', after: 9 });
  const other = planMirror({ present: true, tail: { seq: 9, rowSha256: H('b') } }, { seq: 9, rowSha256: H('c') });
  assert.is(other.kind, 'diverged');
  assert.match((other as { reason: string }).reason, /^seq 9: AUDIT has row hash bbbbbbbbbbbb…, audit_log cccccccccccc…/);
  assert.match((planMirror({ present: true, tail: { seq: 9, rowSha256: H('b') } }, undefined) as { reason: string }).reason, /AUDIT holds seq 9, which audit_log does not/);
  assert.match((planMirror({ present: true, tail: undefined }, undefined) as { reason: string }).reason, /not a mirrored audit entry/);
});

s.run();
