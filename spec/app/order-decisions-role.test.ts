/**
 * Which processes serve the human decisions on orders: only those whose role connects as the
 * `gateway` NATS user (the only user nats.conf lets publish on ORDERS), and they then need the
 * ORDERS stream in their topology.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasOrderDecisions, topologyFor, usersFor } from '../../actors/app/roles.ts';
import { PROCESS_ROLES } from '../../actors/domain/identities.ts';

const s = suite('order decisions by role');

s('roles all and gateway connect as the gateway user and apply ORDERS; pipeline and ops serve no decisions (pipeline has ORDERS for its trips)', () => {
  const expected: Record<string, boolean> = { all: true, gateway: true, pipeline: false, ops: false };
  for (const role of PROCESS_ROLES) {
    assert.is(hasOrderDecisions(role), expected[role], role);
    assert.is(usersFor(role).includes('gateway'), expected[role], `${role} users`);
    // the pipeline's monitors (integrity auditor, drift monitor) publish risk.trip.* on ORDERS, so
    // its topology has ORDERS too; it still serves no decisions and holds no gateway user
    const hasOrders = expected[role] || role === 'pipeline';
    assert.is(topologyFor(role).streams.some((st) => st.name === 'ORDERS'), hasOrders, `${role} streams`);
  }
});

s.run();
