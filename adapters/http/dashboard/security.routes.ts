/**
 * The Security & risk tab's read API (registered under `/ui/api`):
 * - `GET /security/nats` (`view`): the permission matrix of the nats.conf this process runs with;
 * - `GET /security/integrity` (`view`): the integrity auditor's last audited result and its resume point;
 * - `GET /security/audit` (`audit.read`): recent audit entries, newest first, paged by seq;
 * - `GET /security/audit/verify` (`audit.read`): the audit chain re-walked (`fakeout audit verify`'s check);
 * - `GET /security/vault` (`audit.read`): the vault access log (`secret.read` entries: broker keys, TOTP secrets).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { verifyAuditChain } from '../../db/audit-log.repo.ts';
import { loadIntegrityProgress } from '../../db/integrity.repo.ts';
import type { Db } from '../../db/schema.ts';
import { invalidQuery, JSON_TYPE, MAX_PAGE, QueryReader, type DashboardGuard } from './analytics-query.ts';
import { permissionMatrix } from './security-nats-conf.ts';
import { auditPage, auditPageWithNext } from './security-queries.ts';

export interface SecurityRoutesOptions {
  guard: DashboardGuard;
  db: Db;
  /** the nats.conf to read (actors/app/messaging.ts NATS_CONF) */
  natsConfPath: string;
}

const ACTION = /^[A-Za-z0-9_.:-]{1,64}$/;

function page(r: QueryReader): { before?: number; limit: number } {
  const before = r.int('before', 1, Number.MAX_SAFE_INTEGER, 0);
  return { ...(before === 0 ? {} : { before }), limit: r.int('limit', 1, MAX_PAGE, 50) };
}

export const securityRoutes: FastifyPluginAsync<SecurityRoutesOptions> = async (app, opts) => {
  const view = { preHandler: opts.guard('view') };
  const audit = { preHandler: opts.guard('audit.read') };
  const { db } = opts;

  app.get('/security/nats', view, async (request, reply) => {
    new QueryReader(request.query, []);
    // read per request: the matrix shown is the file as it is now (a reload of nats-server reads it too)
    const users = permissionMatrix(await readFile(opts.natsConfPath, 'utf8'));
    return reply.type(JSON_TYPE).send({ file: opts.natsConfPath, users });
  });

  app.get('/security/integrity', view, async (request, reply) => {
    new QueryReader(request.query, []);
    const [last] = await auditPage(db, { actions: ['integrity.verified', 'integrity.failed'], limit: 1 });
    const progress = await loadIntegrityProgress(db);
    return reply.type(JSON_TYPE).send({
      last: last === undefined ? null : { ok: last.action === 'integrity.verified', at: last.at, seq: last.seq, actor: last.actor, details: last.details },
      progress: progress ?? null,
    });
  });

  app.get('/security/audit', audit, async (request, reply) => {
    const r = new QueryReader(request.query, ['before', 'limit', 'action', 'actor']);
    const action = r.text('action');
    if (action !== undefined && !ACTION.test(action)) throw invalidQuery('action', 'expected an action name or prefix such as config. or breaker.tripped');
    const actor = r.text('actor');
    if (actor !== undefined && (actor.length === 0 || actor.length > 100)) throw invalidQuery('actor', 'expected 1-100 characters');
    // a name ending in "." is a prefix (every `breaker.` action); otherwise the exact action
    const filter = action === undefined ? {} : action.endsWith('.') ? { actionPrefix: action } : { actions: [action] };
    return reply.type(JSON_TYPE).send(await auditPageWithNext(db, { ...filter, ...(actor === undefined ? {} : { actor }), ...page(r) }));
  });

  app.get('/security/audit/verify', audit, async (request, reply) => {
    new QueryReader(request.query, []);
    return reply.type(JSON_TYPE).send(await verifyAuditChain(db));
  });

  app.get('/security/vault', audit, async (request, reply) => {
    const r = new QueryReader(request.query, ['before', 'limit']);
    return reply.type(JSON_TYPE).send(await auditPageWithNext(db, { actions: ['secret.read'], ...page(r) }));
  });
};
