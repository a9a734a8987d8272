/**
 * The Analytics tab's read API (registered under `/ui/api`): signal timing heatmap, score
 * histogram with the trigger line, breakdown by regime, P&L by period, and a paged signal list.
 * Every route needs `view` (actors/auth/roles.ts). Every answer is aggregated in SQL
 * (analytics-queries.ts), so its size does not grow with the number of stored signals.
 *
 * It also serves uPlot (the same files the research report inlines, actors/research/
 * report-assets.ts) so the tab's charts need no network and no inline script.
 */
import type { FastifyPluginAsync } from 'fastify';
import { reportAssets } from '../../../actors/research/report-assets.ts';
import { listConfigVersions } from '../../db/config.repo.ts';
import type { Db } from '../../db/schema.ts';
import { breakdownLines, heatmapGrid, histogramBins, MAX_BINS, pnlLines } from './analytics-figures.ts';
import {
  BREAKDOWN_BY, breakdownRows, BUCKET_TEXT, PNL_PERIODS, pnlRows, scoreHistogramRows, signalHeatmapRows, signalPage,
} from './analytics-queries.ts';
import {
  DEFAULT_PAGE, FILTER_FIELDS, invalidQuery, JSON_TYPE, MAX_PAGE, QueryReader, readCursor, readFilter, type DashboardGuard,
} from './analytics-query.ts';

export interface AnalyticsRoutesOptions {
  guard: DashboardGuard;
  db: Db;
  /** the trigger score when no governed config version is stored (FAKEOUT_TRIGGER_SCORE) */
  defaultTriggerScore: number;
}

/** The trigger in force: the newest governed config version's (docs/config.md), else the start-up value. */
export async function triggerInForce(db: Db, fallback: number): Promise<{ score: number; version: number | null }> {
  const [latest] = await listConfigVersions(db, 1);
  const score = latest?.params.triggerScore;
  return typeof score === 'number' && Number.isFinite(score) ? { score, version: latest!.version } : { score: fallback, version: null };
}

/** The path of uPlot's script and stylesheet, relative to `/ui/api` (the tab modules load them from there). */
export const UPLOT_JS_PATH = '/analytics/assets/uplot.js';
export const UPLOT_CSS_PATH = '/analytics/assets/uplot.css';

const TAG = /^[A-Za-z0-9_-]{1,40}$/;

export const analyticsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (app, opts) => {
  const view = { preHandler: opts.guard('view') };
  const { db } = opts;

  app.get('/analytics/heatmap', view, async (request, reply) => {
    const r = new QueryReader(request.query, ['tz', ...FILTER_FIELDS]);
    const zone = r.zone('tz');
    const filter = readFilter(r);
    return reply.type(JSON_TYPE).send(heatmapGrid(zone, await signalHeatmapRows(db, zone, filter)));
  });

  app.get('/analytics/histogram', view, async (request, reply) => {
    const r = new QueryReader(request.query, ['width', ...FILTER_FIELDS]);
    const width = r.number('width', 0.5, 100, 5);
    const filter = readFilter(r);
    const trigger = await triggerInForce(db, opts.defaultTriggerScore);
    const { rows, atOrAbove } = await scoreHistogramRows(db, width, trigger.score, filter);
    try {
      return reply.type(JSON_TYPE).send({ ...histogramBins(width, rows, trigger.score, atOrAbove), configVersion: trigger.version });
    } catch (err) {
      if (err instanceof RangeError) throw invalidQuery('width', `too narrow for the stored scores (more than ${MAX_BINS} bins)`, err);
      throw err;
    }
  });

  app.get('/analytics/breakdown', view, async (request, reply) => {
    const r = new QueryReader(request.query, ['by', ...FILTER_FIELDS]);
    const by = r.oneOf('by', BREAKDOWN_BY, 'session');
    const filter = readFilter(r);
    return reply.type(JSON_TYPE).send({ by, lines: breakdownLines(await breakdownRows(db, by, filter)) });
  });

  app.get('/analytics/pnl', view, async (request, reply) => {
    const r = new QueryReader(request.query, ['period', 'tz', 'before', 'limit', ...FILTER_FIELDS]);
    const period = r.oneOf('period', PNL_PERIODS, 'day');
    const zone = r.zone('tz');
    const before = r.text('before');
    if (before !== undefined && !BUCKET_TEXT.test(before)) throw invalidQuery('before', 'expected the `next` value of the previous page');
    const limit = r.int('limit', 1, MAX_PAGE, DEFAULT_PAGE);
    const filter = readFilter(r);
    // one more than asked tells whether another page exists without a count(*) over everything
    const rows = await pnlRows(db, period, zone, filter, { ...(before === undefined ? {} : { before }), limit: limit + 1 });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? page[page.length - 1]!.bucket : null;
    return reply.type(JSON_TYPE).send({ period, zone, buckets: pnlLines(page), next });
  });

  app.get('/analytics/signals', view, async (request, reply) => {
    const r = new QueryReader(request.query, ['session', 'volatility', 'trend', 'before', 'limit', ...FILTER_FIELDS]);
    const tags: Record<string, string> = {};
    for (const field of ['session', 'volatility', 'trend'] as const) {
      const v = r.text(field);
      if (v === undefined) continue;
      if (!TAG.test(v)) throw invalidQuery(field, 'expected a regime tag (letters, digits, _ and -)');
      tags[field] = v;
    }
    const before = readCursor(r);
    const limit = r.int('limit', 1, MAX_PAGE, DEFAULT_PAGE);
    const filter = { ...readFilter(r), ...tags };
    const rows = await signalPage(db, filter, { ...(before === undefined ? {} : { before }), limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const next = rows.length > limit && last !== undefined ? `${last.openTime}:${last.id}` : null;
    return reply.type(JSON_TYPE).send({ signals: page, next });
  });

  app.get(UPLOT_JS_PATH, view, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'private, max-age=3600').send(reportAssets().uplotJs),
  );
  app.get(UPLOT_CSS_PATH, view, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'private, max-age=3600').send(reportAssets().uplotCss),
  );
};
