/**
 * Wiring of the human approval surface for the HTTP routes (adapters/http/orders.routes.ts):
 * the approvals service (actors/auth/approvals.service.ts) on this process's database, clock and
 * its `gateway` NATS connection, which alone may publish on ORDERS.
 */
import { resolve } from 'node:path';
import type { Database } from '../../adapters/db/index.ts';
import type { OrdersRoutesOptions } from '../../adapters/http/index.ts';
import { configReader, publishJson, writeConfigVersion } from '../../adapters/nats/index.ts';
import type { ConfigRoutesOptions } from '../../adapters/http/index.ts';
import type { SessionConfigDecisions, SessionDecisions } from '../../adapters/http/dashboard/index.ts';
import { createConfigService } from '../config/config.service.ts';
import { deskHoursFromConfig } from '../config/desk-hours.ts';
import type { Clock } from '../../adapters/time/index.ts';
import { createApprovalsService } from '../auth/approvals.service.ts';
import { createAuthService } from '../auth/auth.service.ts';
import { lockoutPolicy } from '../auth/lockout.ts';
import type { Config } from '../domain/config.ts';
import { committedGateway, pendingView } from './gateway-view.ts';
import type { Messaging } from './messaging.ts';

/** The dashboard's decisions: the same services, the user named by the dashboard session (no password in the body). */
export interface SessionDecisionPorts {
  orders: SessionDecisions;
  config: SessionConfigDecisions;
}

/** The approval surface's port for the HTTP routes: decisions are published as the `gateway` NATS user. */
export function orderDecisions(config: Readonly<Config>, dataDir: string, clock: Clock, db: Database['db'], messaging: Pick<Messaging, 'bus' | 'asAdmin' | 'connection'>): OrdersRoutesOptions & { config: ConfigRoutesOptions; session: SessionDecisionPorts } {
  const lockout = lockoutPolicy(config.authMaxFailures, config.authLockSeconds);
  const auth = createAuthService({ db, clock, lockout, secretsDir: resolve(dataDir, 'secrets'), operator: 'http' });
  const js = messaging.bus('gateway').js;
  const expiry = { approvalTtlMs: config.approvalTtlSeconds * 1000, signalMaxAgeMs: config.signalMaxAgeSeconds * 1000 };
  // the breaker as the execution gateway last committed it (its checkpoint, same database)
  const breaker = async (trx: Database['db']) => (await committedGateway(trx)).breaker;
  const service = createApprovalsService({ db, clock, lockout, auth, expiry, breaker, publish: (subject, id, value) => publishJson(js, subject, id, value) });
  const governed = configReader(messaging.connection('gateway'));
  const governanceWith = (approvals: Parameters<typeof createConfigService>[0]['approvals']) => createConfigService({
    db, clock, auth, approvals,
    store: {
      stored: () => governed.stored(),
      write: (next, expected) => messaging.asAdmin((nc) => writeConfigVersion(nc, next, expected)),
    },
    desk: deskHoursFromConfig(config),
    proposalTtlMs: config.configProposalTtlHours * 3_600_000,
  });
  const governance = governanceWith(service);
  // A config service per dashboard call, whose authentication is the session's user (cheap: closures only).
  // The body's `user` is the session's too, so a refusal is audited under the right name.
  const governanceAs = (session: { user: string }) =>
    governanceWith({ decideThenCommit: service.decideThenCommit, authenticate: (trx, body, action, refuse) => service.authenticate(trx, body, action, refuse, session) });
  const asUser = (body: unknown, session: { user: string }) => ({ ...(body as Record<string, unknown>), user: session.user });
  return {
    config: { propose: governance.propose, approve: governance.approve, reject: governance.reject },
    listPending: async (credentials: { user: string; password: string }) => (await service.listPending(credentials)).map(pendingView),
    approve: service.approve,
    reject: service.reject,
    resetBreaker: service.resetBreaker,
    tripBreaker: service.tripBreaker,
    session: {
      orders: {
        approve: (id, body, session) => service.approve(id, body, session),
        reject: (id, body, session) => service.reject(id, body, session),
        // the same calls (checks, audit, publish) as POST /api/breaker/*, the user the session's
        tripBreaker: (body, session) => service.tripBreaker(body, session),
        resetBreaker: (body, session) => service.resetBreaker(body, session),
      },
      config: {
        propose: (body, session) => governanceAs(session).propose(asUser(body, session)),
        approve: (id, body, session) => governanceAs(session).approve(id, asUser(body, session)),
        reject: (id, body, session) => governanceAs(session).reject(id, asUser(body, session)),
      },
    },
  };
}

