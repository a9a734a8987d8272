/**
 * `GET /api/monitors`: each monitor's machine state (`normal` / `alert`), the figure it last
 * judged, its threshold and since when: what a dashboard shows beside the breaker.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { MonitorState } from '../../actors/monitors/monitor-logic.ts';

export type MonitorView = MonitorState;

export interface MonitorsRoutesOptions {
  list(): Promise<MonitorView[]>;
}

export const MONITORS_PATH = '/api/monitors';

export const monitorsRoutes: FastifyPluginAsync<MonitorsRoutesOptions> = async (app, opts) => {
  app.get(MONITORS_PATH, async (_request, reply) => reply.type('application/json; charset=utf-8').send({ monitors: await opts.list() }));
};
