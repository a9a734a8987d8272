/**
 * The page: `GET /ui/` (index.html, app.js, style.css and the tab modules under tabs/, plain
 * browser ES modules from public/ with no build step) and the chart libraries from node_modules
 * under /ui/vendor/, so the dashboard works with no internet access and a CSP of 'self' only.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import type { Action } from '../../../actors/auth/roles.ts';
import { reportAssets } from '../../../actors/research/report-assets.ts';

type Guard = (action: Action) => preHandlerAsyncHookHandler;

export const PUBLIC_DIR = join(import.meta.dirname, 'public');

const VENDOR: Readonly<Record<string, { type: string; text: () => string }>> = Object.freeze({
  'lightweight-charts.js': { type: 'text/javascript; charset=utf-8', text: () => reportAssets().lightweightChartsJs },
  'uplot.js': { type: 'text/javascript; charset=utf-8', text: () => reportAssets().uplotJs },
  'uplot.css': { type: 'text/css; charset=utf-8', text: () => reportAssets().uplotCss },
});

/** The tabs of the original design, in their order; a tab whose module is not in public/tabs/ is shown as not available. */
export const TAB_IDS = Object.freeze(['live', 'config', 'analytics', 'monitor', 'security', 'actors'] as const);

/** Which tab modules this build has (read once: the files ship with the code). */
export function availableTabs(dir = join(PUBLIC_DIR, 'tabs')): string[] {
  const files = new Set(readdirSync(dir));
  return TAB_IDS.filter((id) => files.has(`${id}.js`));
}

/** Registered at the root: its paths are absolute (/ui, /ui/…). */
export const shellRoutes: FastifyPluginAsync<{ guard: Guard }> = async (app, opts) => {
  const tabs = availableTabs();
  // asked before importing, so a missing module is never requested (a 404 would be a console error)
  app.get('/ui/api/tabs', { preHandler: opts.guard('view') }, async () => ({ tabs: TAB_IDS.map((id) => ({ id, available: tabs.includes(id) })) }));
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  // a person who types only the host and port lands on the dashboard, not on a 404
  app.get('/', async (_request, reply) => reply.redirect('/ui/'));
  for (const [name, asset] of Object.entries(VENDOR)) {
    app.get(`/ui/vendor/${name}`, async (_request, reply) => reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.text()));
  }
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/ui/', index: ['index.html'], decorateReply: false, wildcard: true });
};
