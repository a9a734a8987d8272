/**
 * The Actors tab's "inject fault" (adapters/http/dashboard/actors-fault.ts) reaches the stages a
 * gateway holds under its lease (actors/app/gateway-lease.ts): they run under a supervisor of
 * their own that the lease worker starts, so the root supervisor alone answers "no actor at that
 * path" (the 404 the tab gave). Through `faultSeam`, what the composition root wires, the held
 * stage is found by id and by path, audited, crashed in its own supervisor and restarted.
 * Real supervisors and timers, an in-memory lease store that always grants the lease.
 */
import { createActor } from 'xstate';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { faultSeam, leasedExecution } from '../../actors/app/gateway-lease.ts';
import { buildTree } from '../../actors/app/tree.ts';
import type { Config } from '../../actors/domain/config.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { createLogger } from '../../adapters/log/index.ts';
import type { LeaseStore } from '../../adapters/nats/index.ts';
import { injectActorFault } from '../../adapters/http/dashboard/actors-fault.ts';
import { Supervisor, systemDeps, type SupervisionEvent, type SupervisionNode } from '../../supervision/index.ts';
import { cooperativeMachine } from '../supervision/supervision-fixtures.ts';

const s = suite('fault injection under the gateway lease');

/** the held stage's path as GET /actors shows it: root, execution group, lease worker, its own execution group */
const HELD = 'fakeout/execution/gateway-lease/execution/order-gateway';

function find(node: SupervisionNode, path: string): SupervisionNode | undefined {
  if (node.path === path) return node;
  for (const c of node.children ?? []) {
    const hit = find(c, path);
    if (hit) return hit;
  }
  return undefined;
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

s('a held stage is found by id and by path, audited, crashed in its own supervisor and restarted', async () => {
  const events: SupervisionEvent[] = [];
  const deps = systemDeps((e) => events.push(e), { faultTimeoutMs: 2_000 });
  const store: LeaseStore = {
    acquire: async () => ({ held: true, revision: 1, ttlMs: 60_000, reclaimed: false }),
    renew: async (_v, revision) => revision + 1,
    release: async () => undefined,
  };
  let starts = 0;
  const lease = leasedExecution({
    config: { role: 'gateway', gatewayAccount: 'paper', gatewayLeaseTtlSeconds: 60 } as Config,
    dataDir: '/tmp/fakeout-lease-fault', clock: { now: () => Date.now() }, log: createLogger('silent'), store, supervisorDeps: deps,
    heldWorkers: () => [{ id: 'order-gateway', group: 'execution', restart: 'permanent', shutdownMs: 1_000, start: () => (starts++, createActor(cooperativeMachine).start()) }],
  });
  const root = new Supervisor(buildTree([lease.worker]), deps);
  const seam = faultSeam(() => root, () => lease);
  try {
    await root.start();
    await until('the held stage running', () => find(seam.tree(), HELD)?.status === 'running');
    // the root supervisor alone does not reach it: what the tab used to answer
    assert.throws(() => root.injectFault(HELD, 'x'), (e: unknown) => isFakeoutError(e, 'FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD'));

    const audited: { actor: string; subject: string }[] = [];
    const fault = { ...seam, now: () => 1_000, audit: async (e: { actor: string; subject: string }) => audited.push({ actor: e.actor, subject: e.subject }) };
    assert.equal(await injectActorFault(fault, 'order-gateway', 'ada'), { path: HELD, at: 1_000 });
    assert.equal(audited, [{ actor: 'ada', subject: `actor:${HELD}` }]);
    await until('the crash and restart', () => starts === 2 && find(seam.tree(), HELD)?.status === 'running');
    assert.ok(events.some((e) => e.type === 'crashed' && e.path === HELD), 'crashed at its held path');
    assert.ok(events.some((e) => e.type === 'restarted' && e.path === HELD), 'restarted by the held supervisor');
    assert.is(find(seam.tree(), HELD)!.restarts, 1);
    assert.is(find(seam.tree(), 'fakeout/execution/gateway-lease')!.status, 'running', 'the lease worker itself did not crash');

    // by its full path too; a path under the lease worker that does not exist is still refused by name
    assert.equal(await injectActorFault(fault, HELD, 'ada'), { path: HELD, at: 1_000 });
    await until('the second restart', () => starts === 3 && find(seam.tree(), HELD)?.status === 'running');
    assert.throws(() => seam.inject('fakeout/execution/gateway-lease/execution/nope', 'x'), (e: unknown) => isFakeoutError(e, 'FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD'));
  } finally {
    await root.stop();
  }
});

s.run();
