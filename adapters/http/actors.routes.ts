import type { FastifyPluginAsync } from 'fastify';

/** Options of {@link actorsRoutes}. */
export interface ActorsRoutesOptions {
  /** The supervision tree as JSON-ready data (state values, restart counts). */
  actorsTree: () => unknown;
}

/** `GET /actors`: the supervision tree, read fresh on every request. */
export const actorsRoutes: FastifyPluginAsync<ActorsRoutesOptions> = async (app, opts) => {
  app.get('/actors', async (_request, reply) => reply.type('application/json; charset=utf-8').send(opts.actorsTree()));
};
