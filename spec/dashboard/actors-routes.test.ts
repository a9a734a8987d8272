/**
 * The Actors tab's API (adapters/http/dashboard/actors.routes.ts) over a real supervisor of the
 * test machines, a real transition log and a real PGlite audit log, through inject() and (for
 * the stream) a real socket. The guard is a test guard reading `x-test-user` / `x-test-role`;
 * the real one (DASH-CORE) answers the same 401/403.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Fastify, { type FastifyInstance, type preHandlerAsyncHookHandler } from 'fastify';
import { appendAudit, tailAudit } from '../../adapters/db/index.ts';
import { dashboardActorsRoutes } from '../../adapters/http/dashboard/actors.routes.ts';
import { installErrorHandlers } from '../../adapters/http/errors.ts';
import { can, isRole, type Action } from '../../actors/auth/roles.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { Supervisor, TransitionLog, systemDeps, type SupervisionEvent, type SupervisorSpec } from '../../supervision/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { harness } from '../supervision/supervision-fixtures.ts';
import { makeFixture } from '../http/http-fixture.ts';

const s = suite('dashboard actors routes');

function testGuard(action: Action): preHandlerAsyncHookHandler {
  return async (request) => {
    const role = request.headers['x-test-role'];
    const user = request.headers['x-test-user'];
    if (typeof role !== 'string' || !isRole(role) || typeof user !== 'string') throw new FakeoutError('FAKEOUT_ERR_AUTH_UNKNOWN_USER', 'log in first');
    if (!can(role, action)) throw new FakeoutError('FAKEOUT_ERR_AUTH_FORBIDDEN', `${user} (${role}) may not ${action}`);
    (request as unknown as { dashboardUser: unknown }).dashboardUser = { user, role };
  };
}

const admin = { 'x-test-user': 'alice', 'x-test-role': 'admin' };
const viewer = { 'x-test-user': 'victor', 'x-test-role': 'viewer' };

interface World {
  app: FastifyInstance;
  root: Supervisor;
  log: TransitionLog;
  events: SupervisionEvent[];
  order: string[];
  db: TestDatabase;
  close(): Promise<void>;
}

let db: TestDatabase;

async function world(opts: { auditFails?: boolean } = {}): Promise<World> {
  const h = harness();
  const events: SupervisionEvent[] = [];
  const order: string[] = [];
  const log = new TransitionLog({ now: () => Date.now() });
  const spec: SupervisorSpec = {
    kind: 'supervisor',
    id: 'fakeout',
    strategy: 'one_for_one',
    intensity: { maxRestarts: 5, withinMs: 10_000 },
    backoff: { initialMs: 5, maxMs: 5, jitter: 0 },
    children: [
      { kind: 'supervisor', id: 'pipeline', strategy: 'one_for_one', intensity: { maxRestarts: 5, withinMs: 10_000 }, backoff: { initialMs: 5, maxMs: 5, jitter: 0 }, children: [h.worker('bar-builder'), h.worker('feature-engine')] },
      { kind: 'supervisor', id: 'intake', strategy: 'one_for_one', intensity: { maxRestarts: 5, withinMs: 10_000 }, backoff: { initialMs: 5, maxMs: 5, jitter: 0 }, children: [h.worker('replay', 'transient')] },
    ],
  };
  const root = new Supervisor(spec, systemDeps((e) => {
    events.push(e);
    if (e.type === 'crashed') order.push(`crashed ${e.path}`);
    log.record(e);
  }, { onIncarnation: (path, actor) => log.watch(path, actor) }));
  await root.start();
  const app = Fastify({ logger: false });
  installErrorHandlers(app);
  await app.register(dashboardActorsRoutes, {
    prefix: '/ui/api',
    guard: testGuard,
    tree: () => log.view(root.tree()),
    transitions: log,
    heartbeatMs: 60_000,
    fault: {
      tree: () => root.tree(),
      inject: (path, reason) => root.injectFault(path, reason),
      now: () => Date.now(),
      audit: async (entry) => {
        if (opts.auditFails) throw new Error('database down');
        await appendAudit(db.database.db, entry);
        order.push(`audited ${entry.subject}`);
      },
    },
  });
  return {
    app, root, log, events, order, db,
    async close() {
      await app.close();
      await root.stop();
    },
  };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

s.before(async () => {
  db = await createTestDatabase('pglite');
});
s.after(async () => {
  await db.cleanup();
});

s('every route refuses without a user (401) and GET answers a viewer with the tree', async () => {
  const w = await world();
  try {
    for (const [method, url] of [['GET', '/ui/api/actors'], ['GET', '/ui/api/actors/stream'], ['POST', '/ui/api/actors/bar-builder/fault']] as const) {
      const res = await w.app.inject({ method, url });
      assert.is(res.statusCode, 401, `${method} ${url}`);
      assert.is(res.json().error.code, 'FAKEOUT_ERR_AUTH_UNKNOWN_USER');
    }
    const res = await w.app.inject({ method: 'GET', url: '/ui/api/actors', headers: viewer });
    assert.is(res.statusCode, 200);
    const tree = res.json();
    assert.is(tree.path, 'fakeout');
    const bb = tree.children[0].children[0];
    assert.is(bb.path, 'fakeout/pipeline/bar-builder');
    assert.is(bb.state, 'running');
    assert.is(bb.status, 'running');
    assert.is(bb.restarts, 0);
    assert.type(bb.uptimeMs, 'number');
    assert.ok(bb.uptimeMs >= 0);
    assert.equal(bb.transitions.map((t: { kind: string }) => t.kind), ['state', 'started']);
  } finally {
    await w.close();
  }
});

s('a viewer may not inject a fault (403), nothing is audited and nothing crashes', async () => {
  const w = await world();
  try {
    const before = (await tailAudit(db.database.db, 1000)).length;
    const res = await w.app.inject({ method: 'POST', url: '/ui/api/actors/bar-builder/fault', headers: viewer });
    assert.is(res.statusCode, 403);
    assert.is(res.json().error.code, 'FAKEOUT_ERR_AUTH_FORBIDDEN');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.events.filter((e) => e.type === 'crashed'), []);
    assert.is((await tailAudit(db.database.db, 1000)).length, before);
  } finally {
    await w.close();
  }
});

s('an admin fault is audited first (who, which actor, when), then the actor crashes and is restarted', async () => {
  const w = await world();
  try {
    const t0 = Date.now();
    const res = await w.app.inject({ method: 'POST', url: '/ui/api/actors/feature-engine/fault', headers: admin });
    assert.is(res.statusCode, 202, res.body);
    assert.is(res.json().path, 'fakeout/pipeline/feature-engine');
    await until(() => w.events.some((e) => e.type === 'restarted' && e.path === 'fakeout/pipeline/feature-engine'), 'the restart');
    assert.equal(w.order, ['audited actor:fakeout/pipeline/feature-engine', 'crashed fakeout/pipeline/feature-engine']);
    const [row] = await tailAudit(db.database.db, 1);
    assert.is(row!.actor, 'alice');
    assert.is(row!.action, 'actor.fault');
    assert.is(row!.subject, 'actor:fakeout/pipeline/feature-engine');
    assert.ok(row!.at >= t0 && row!.at <= Date.now());
    const tree = (await w.app.inject({ method: 'GET', url: '/ui/api/actors', headers: viewer })).json();
    const fe = tree.children[0].children[1];
    assert.is(fe.restarts, 1);
    assert.equal(fe.transitions.map((t: { kind: string }) => t.kind).slice(-5), ['state', 'crashed', 'state', 'started', 'restarted']);
  } finally {
    await w.close();
  }
});

s('a full path works too (URL-encoded); an unknown actor, a supervisor and a stopped actor are refused by name', async () => {
  const w = await world();
  try {
    const ok = await w.app.inject({ method: 'POST', url: `/ui/api/actors/${encodeURIComponent('fakeout/pipeline/bar-builder')}/fault`, headers: admin });
    assert.is(ok.statusCode, 202, ok.body);
    const unknown = await w.app.inject({ method: 'POST', url: '/ui/api/actors/no-such-actor/fault', headers: admin });
    assert.is(unknown.statusCode, 404);
    assert.is(unknown.json().error.code, 'FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD');
    assert.match(unknown.json().error.message, 'no-such-actor');
    const sup = await w.app.inject({ method: 'POST', url: '/ui/api/actors/pipeline/fault', headers: admin });
    assert.is(sup.statusCode, 404);
    assert.match(sup.json().error.message, 'fakeout/pipeline is a supervisor');
    w.root.get('fakeout/intake/replay')!.send({ type: 'FINISH' }); // a transient child that ends normally is not restarted
    await until(() => w.events.some((e) => e.type === 'stopped' && e.path === 'fakeout/intake/replay'), 'replay to stop');
    const audited = (await tailAudit(db.database.db, 1000)).length;
    const stopped = await w.app.inject({ method: 'POST', url: '/ui/api/actors/replay/fault', headers: admin });
    assert.is(stopped.statusCode, 409);
    assert.is(stopped.json().error.code, 'FAKEOUT_ERR_SUPERVISOR_NOT_RUNNING');
    assert.is((await tailAudit(db.database.db, 1000)).length, audited, 'a refused request is not audited');
  } finally {
    await w.close();
  }
});

s('when the audit entry cannot be written, no fault is injected', async () => {
  const w = await world({ auditFails: true });
  try {
    const res = await w.app.inject({ method: 'POST', url: '/ui/api/actors/bar-builder/fault', headers: admin });
    assert.is(res.statusCode, 500);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.events.filter((e) => e.type === 'crashed'), []);
  } finally {
    await w.close();
  }
});

s('the stream sends each transition live, and a reconnect with Last-Event-ID gets what it missed', async () => {
  const w = await world();
  try {
    const url = await w.app.listen({ host: '127.0.0.1', port: 0 });
    const seenBefore = w.log.lastSeq;
    const ctl = new AbortController();
    const res = await fetch(`${url}/ui/api/actors/stream`, { headers: viewer, signal: ctl.signal });
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', 'text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const read = async (until: (t: string) => boolean) => {
      while (!until(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await read((t) => t.includes(': connected'));
    w.root.injectFault('fakeout/pipeline/bar-builder', 'live');
    await read((t) => t.includes('"kind":"restarted"'));
    const events = text.split('\n\n').filter((b) => b.includes('data: {')).map((b) => JSON.parse(b.split('data: ')[1]!));
    assert.ok(events.length >= 5);
    assert.equal(events.map((e) => e.seq), events.map((_, i) => seenBefore + 1 + i), 'consecutive from the first one after connecting');
    assert.ok(events.every((e) => e.path === 'fakeout/pipeline/bar-builder'));
    ctl.abort();
    // reconnect after the second one: the rest comes first, from the log
    const again = await w.app.inject({ method: 'GET', url: '/ui/api/actors/stream', headers: { ...viewer, 'last-event-id': String(seenBefore + 2) }, payloadAsStream: true });
    const stream = again.stream();
    let replayed = '';
    await new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => {
        replayed += c.toString();
        if (replayed.includes(`id: ${w.log.lastSeq}\n`)) resolve();
      });
    });
    const ids = [...replayed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(ids, Array.from({ length: w.log.lastSeq - seenBefore - 2 }, (_, i) => seenBefore + 3 + i));
    stream.destroy();
    const bad = await w.app.inject({ method: 'GET', url: '/ui/api/actors/stream', headers: { ...viewer, 'last-event-id': 'x' } });
    assert.is(bad.statusCode, 400);
    assert.is(bad.json().error.code, 'FAKEOUT_ERR_API_INVALID_QUERY');
  } finally {
    await w.close();
  }
});

s('buildHttpServer serves the Actors API under /ui/api only when given the dashboard guard; GET /actors stays as it was', async () => {
  const w = await world();
  const actorsDashboard = { tree: () => w.log.view(w.root.tree()), transitions: w.log, fault: { tree: () => w.root.tree(), inject: () => false, now: () => 0, audit: async () => undefined } };
  try {
    const without = makeFixture({ actorsDashboard, actorsTree: () => w.root.tree() });
    assert.is((await without.app.inject({ method: 'GET', url: '/ui/api/actors', headers: viewer })).statusCode, 404, 'no guard, no route');
    const plain = await without.app.inject({ method: 'GET', url: '/actors' });
    assert.is(plain.statusCode, 200);
    assert.is(plain.json().transitions, undefined, 'GET /actors is the plain tree');
    await without.app.close();
    const withGuard = makeFixture({ actorsDashboard, dashboardGuard: testGuard });
    assert.is((await withGuard.app.inject({ method: 'GET', url: '/ui/api/actors' })).statusCode, 401);
    const res = await withGuard.app.inject({ method: 'GET', url: '/ui/api/actors', headers: viewer });
    assert.is(res.statusCode, 200);
    assert.ok(Array.isArray(res.json().transitions));
    await withGuard.app.close();
  } finally {
    await w.close();
  }
});

s.run();
