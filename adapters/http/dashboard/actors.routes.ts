/**
 * The Actors tab's API (dashboard contract, #10), registered under `/ui/api`:
 * - `GET /actors`: the supervision tree with each actor's machine state, status, restarts,
 *   uptime of its current incarnation and recent transitions (supervision/transition-log.ts);
 * - `GET /actors/stream`: every transition from now on as server-sent events (
 *   no `event:` line, so the browser's default `message` type, which the shell's ctx.sse hears;
 *   `id:` its sequence, `data:` the transition as JSON). A client that reconnects
 *   with `Last-Event-ID` first gets what it missed, as far back as the log keeps;
 * - `POST /actors/:id/fault`: an admin crashes one actor (actors-fault.ts), audited first.
 * Every route carries the contract's guard.
 */
import type { FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Action } from '../../../actors/auth/roles.ts';
import { FakeoutError } from '../../../actors/domain/errors.ts';
import type { ActorTransition, ActorView } from '../../../supervision/index.ts';
import { startStream } from '../signals.routes.ts';
import { injectActorFault, type ActorFaultDeps } from './actors-fault.ts';

export interface DashboardActorsOptions {
  guard: (action: Action) => preHandlerAsyncHookHandler;
  /** the tree as the tab shows it (TransitionLog.view over the full tree) */
  tree(): ActorView;
  /** the transition log: what came after a sequence, and a live subscription */
  transitions: { since(seq: number): ActorTransition[]; subscribe(fn: (t: ActorTransition) => void): () => void };
  fault: ActorFaultDeps;
  /** milliseconds between heartbeat comments on the stream; default 15 000 */
  heartbeatMs?: number;
}

const LAST_EVENT_ID = /^\d{1,16}$/;

/** One transition as a server-sent event (JSON has no raw newlines: one `data:` line). */
export function transitionEvent(t: ActorTransition): string {
  return `id: ${t.seq}\ndata: ${JSON.stringify(t)}\n\n`;
}

/** Who is asking: the session's user (set by the dashboard's session hook before the guard). */
function userOf(request: FastifyRequest): string {
  const u = (request as FastifyRequest & { dashboardUser?: { user: string } | null }).dashboardUser;
  // The guard let the request through, so a user is there; this only keeps a broken wiring from auditing "undefined".
  if (!u) throw new FakeoutError('FAKEOUT_ERR_HTTP_INTERNAL', 'no dashboard user on a guarded request');
  return u.user;
}

export const dashboardActorsRoutes: FastifyPluginAsync<DashboardActorsOptions> = async (app, opts) => {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get('/actors', { preHandler: opts.guard('view') }, async (_request, reply) => reply.type('application/json; charset=utf-8').send(opts.tree()));

  app.get('/actors/stream', { preHandler: opts.guard('view') }, async (request, reply) => {
    const lastId = request.headers['last-event-id'];
    if (lastId !== undefined && (typeof lastId !== 'string' || !LAST_EVENT_ID.test(lastId))) {
      throw new FakeoutError('FAKEOUT_ERR_API_INVALID_QUERY', 'Last-Event-ID: expected a transition sequence number', { details: { field: 'Last-Event-ID' } });
    }
    const raw = reply.raw;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const write = (chunk: string): void => {
      if (!ended && !raw.writableEnded) raw.write(chunk);
    };
    // Subscribed before the backlog is read, both synchronously: nothing falls in between, and
    // `seen` drops a transition that is in both.
    let seen = lastId === undefined ? Number.POSITIVE_INFINITY : Number(lastId);
    const queued: ActorTransition[] = [];
    let live = false;
    const unsubscribe = opts.transitions.subscribe((t) => {
      if (!live) queued.push(t);
      else write(transitionEvent(t));
    });
    const end = (): void => {
      if (ended) return;
      ended = true;
      open.delete(end);
      unsubscribe();
      if (timer) clearInterval(timer);
      if (!raw.writableEnded) raw.end();
    };
    startStream(reply);
    open.add(end);
    write('retry: 3000\n: connected\n\n');
    const backlog = Number.isFinite(seen) ? opts.transitions.since(seen) : [];
    for (const t of [...backlog, ...queued]) {
      if (t.seq <= seen && Number.isFinite(seen)) continue;
      write(transitionEvent(t));
      seen = t.seq;
    }
    live = true;
    timer = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    raw.on('close', end);
    if (raw.destroyed) end();
  });

  app.post<{ Params: { id: string } }>('/actors/:id/fault', { preHandler: opts.guard('actors.fault') }, async (request, reply) => {
    const result = await injectActorFault(opts.fault, request.params.id, userOf(request));
    return reply.code(202).type('application/json; charset=utf-8').send({ injected: true, ...result });
  });
};
