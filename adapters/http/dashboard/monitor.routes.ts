/**
 * The System monitor tab's read API (registered under `/ui/api`), every route `view`:
 * - `GET /monitor/summary`: the monitors' states (the same source as `GET /api/monitors`), their
 *   thresholds, the breaker as the gateway last checkpointed it, consumer lag per actor and the
 *   clock offset (this process's live figures);
 * - `GET /monitor/slippage`, `/monitor/liquidity`: the figures per period (SQL GROUP BY);
 * - `GET /monitor/breaker`: the breaker's audited history (`breaker.*` entries), paged.
 */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { GATEWAY_STAGE } from '../../../actors/gateway/gateway-state.ts';
import { loadCheckpoint } from '../../db/checkpoints.repo.ts';
import { withDbErrors } from '../../db/db-errors.ts';
import type { Db } from '../../db/schema.ts';
import type { MonitorView } from '../monitors.routes.ts';
import { BUCKET_TEXT, periodBucket, PNL_PERIODS, type PnlPeriod } from './analytics-queries.ts';
import { invalidQuery, JSON_TYPE, MAX_PAGE, QueryReader, readFilter, type DashboardGuard, type SignalFilter } from './analytics-query.ts';
import { breakerFromCheckpoint, liquiditySeries, slippageSeries, type LiquidityRow, type SlippageRow } from './monitor-figures.ts';
import { auditPageWithNext } from './security-queries.ts';

/** The drift monitor's last verdict (adapters/time/drift.ts), with when it was measured. */
export interface ClockFigure {
  verdict: 'ok' | 'warn' | 'trip';
  offsetMs: number | null;
  sinceLastGoodMs: number;
  warnMs: number;
  tripMs: number;
  at: number;
}

/** What only the running process knows (nothing stored): its consumers' pending counts and its clock. */
export interface LiveFigures {
  /** per durable consumer (named after its actor), the messages it has not yet taken */
  consumers: { consumer: string; pending: number }[];
  clock: ClockFigure | null;
}

export interface MonitorRoutesOptions {
  guard: DashboardGuard;
  db: Db;
  /** the monitors' states, the function `GET /api/monitors` answers with */
  listMonitors: () => Promise<MonitorView[]>;
  /** the start-up thresholds (FAKEOUT_BREAKER_SLIPPAGE_RATIO, FAKEOUT_LIQUIDITY_ALERT_SHARE); a monitor's stored threshold wins */
  thresholds: { slippageRatio: number; lowLiquidityShare: number };
  live?: () => LiveFigures;
}

const SERIES_MAX = 500;

function seriesQuery(r: QueryReader): { period: PnlPeriod; zone: string; filter: SignalFilter; before?: string; limit: number } {
  const period = r.oneOf('period', PNL_PERIODS, 'hour');
  const zone = r.zone('tz');
  const before = r.text('before');
  if (before !== undefined && !BUCKET_TEXT.test(before)) throw invalidQuery('before', 'expected the `next` value of the previous page');
  const limit = r.int('limit', 1, SERIES_MAX, 200);
  return { period, zone, filter: readFilter(r), ...(before === undefined ? {} : { before }), limit };
}

/** Newest `limit` + 1 buckets of `inner` (which has a `bucket` column), for a page and its `next`. */
function paged<T extends { bucket: string }>(rows: T[], limit: number): { page: T[]; next: string | null } {
  const page = rows.slice(0, limit);
  return { page, next: rows.length > limit ? page[page.length - 1]!.bucket : null };
}

async function slippageRows(db: Db, q: ReturnType<typeof seriesQuery>): Promise<SlippageRow[]> {
  return withDbErrors('monitor slippage series', async () => {
    let inner = db
      .selectFrom('fills')
      .select([
        periodBucket('filled_at', q.period, q.zone).as('bucket'),
        sql<number>`count(*)::int`.as('fills'),
        // the breaker's rule: a fill without a realised figure counts as its modelled one
        sql<number>`sum(coalesce(realised_bps, modelled_bps))::float8`.as('realised_sum'),
        sql<number>`sum(modelled_bps)::float8`.as('modelled_sum'),
      ])
      .where('leg', '=', 'entry')
      .groupBy([sql`1`]);
    if (q.filter.symbol !== undefined) inner = inner.where('symbol', '=', q.filter.symbol);
    if (q.filter.from !== undefined) inner = inner.where('filled_at', '>=', q.filter.from);
    if (q.filter.to !== undefined) inner = inner.where('filled_at', '<', q.filter.to);
    let outer = db.selectFrom(inner.as('b')).selectAll().orderBy('bucket', 'desc').limit(q.limit + 1);
    if (q.before !== undefined) outer = outer.where('bucket', '<', q.before);
    return (await outer.execute()).map((r) => ({ bucket: r.bucket, fills: Number(r.fills), realisedSum: Number(r.realised_sum), modelledSum: Number(r.modelled_sum) }));
  });
}

async function liquidityRows(db: Db, q: ReturnType<typeof seriesQuery>): Promise<LiquidityRow[]> {
  return withDbErrors('monitor liquidity series', async () => {
    let inner = db
      .selectFrom('signal_liquidity')
      .select([
        periodBucket('open_time', q.period, q.zone).as('bucket'),
        sql<number>`count(*)::int`.as('signals'),
        sql<number>`(count(*) filter (where low))::int`.as('low'),
      ])
      .groupBy([sql`1`]);
    if (q.filter.symbol !== undefined) inner = inner.where('symbol', '=', q.filter.symbol);
    if (q.filter.from !== undefined) inner = inner.where('open_time', '>=', q.filter.from);
    if (q.filter.to !== undefined) inner = inner.where('open_time', '<', q.filter.to);
    let outer = db.selectFrom(inner.as('b')).selectAll().orderBy('bucket', 'desc').limit(q.limit + 1);
    if (q.before !== undefined) outer = outer.where('bucket', '<', q.before);
    return (await outer.execute()).map((r) => ({ bucket: r.bucket, signals: Number(r.signals), low: Number(r.low) }));
  });
}

export const monitorRoutes: FastifyPluginAsync<MonitorRoutesOptions> = async (app, opts) => {
  const view = { preHandler: opts.guard('view') };
  const { db } = opts;
  const thresholds = async () => {
    const monitors = await opts.listMonitors();
    const stored = (name: string) => monitors.find((m) => m.monitor === name)?.threshold;
    return {
      monitors,
      slippageRatio: stored('slippage') ?? opts.thresholds.slippageRatio,
      lowLiquidityShare: stored('liquidity') ?? opts.thresholds.lowLiquidityShare,
    };
  };

  app.get('/monitor/summary', view, async (request, reply) => {
    new QueryReader(request.query, []);
    const t = await thresholds();
    const checkpoint = await loadCheckpoint<unknown>(db, GATEWAY_STAGE);
    const live = opts.live?.() ?? null;
    return reply.type(JSON_TYPE).send({
      monitors: t.monitors,
      thresholds: { slippageRatio: t.slippageRatio, lowLiquidityShare: t.lowLiquidityShare },
      breaker: breakerFromCheckpoint(checkpoint?.state),
      consumers: live === null ? null : [...live.consumers].sort((a, b) => b.pending - a.pending || a.consumer.localeCompare(b.consumer)),
      clock: live?.clock ?? null,
    });
  });

  app.get('/monitor/slippage', view, async (request, reply) => {
    const q = seriesQuery(new QueryReader(request.query, ['period', 'tz', 'before', 'limit', 'symbol', 'from', 'to']));
    const t = await thresholds();
    const { page, next } = paged(await slippageRows(db, q), q.limit);
    return reply.type(JSON_TYPE).send({ period: q.period, zone: q.zone, threshold: t.slippageRatio, points: slippageSeries(page, t.slippageRatio), next });
  });

  app.get('/monitor/liquidity', view, async (request, reply) => {
    const q = seriesQuery(new QueryReader(request.query, ['period', 'tz', 'before', 'limit', 'symbol', 'from', 'to']));
    const t = await thresholds();
    const { page, next } = paged(await liquidityRows(db, q), q.limit);
    return reply.type(JSON_TYPE).send({ period: q.period, zone: q.zone, threshold: t.lowLiquidityShare, points: liquiditySeries(page, t.lowLiquidityShare), next });
  });

  app.get('/monitor/breaker', view, async (request, reply) => {
    const r = new QueryReader(request.query, ['before', 'limit']);
    const before = r.int('before', 1, Number.MAX_SAFE_INTEGER, 0);
    const limit = r.int('limit', 1, MAX_PAGE, 50);
    const page = await auditPageWithNext(db, { actionPrefix: 'breaker.', ...(before === 0 ? {} : { before }), limit });
    return reply.type(JSON_TYPE).send(page);
  });
};
