/**
 * What every /ui request goes through, installed on the root context (not encapsulated) so that
 * each dashboard API plugin registered under /ui/api (this helper's and the others') sees it:
 * cookies (@fastify/cookie), the CSRF check on every non-GET /ui/api call
 * (@fastify/csrf-protection, secret in an HttpOnly SameSite=Strict cookie under /ui), the login
 * rate limiter (@fastify/rate-limit, used by the login route only), the security headers with a
 * CSP that allows only 'self' (@fastify/helmet), and the session lookup (session.ts).
 * The rest of the server (webhook, /api, /metrics) is untouched by all of it.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { COOKIE_PATH, csrfUserInfo, resolveSession, type SessionOptions } from './session.ts';

/** Under this prefix the dashboard lives; the hooks below ignore every other URL. */
export const UI_PREFIX = '/ui';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The Content-Security-Policy: scripts, styles, images and connections only from fakeout itself
 * (the chart libraries are served under /ui/vendor), no framing, no plugins, forms only to us.
 * WHY no upgrade-insecure-requests (a helmet default): the dashboard is served over plain http on
 * loopback by default, where upgrading its own requests to https would break every one of them.
 */
export const CSP_DIRECTIVES = Object.freeze({
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
});

const isUi = (request: FastifyRequest) => request.url === UI_PREFIX || request.url.startsWith(`${UI_PREFIX}/`) || request.url.startsWith(`${UI_PREFIX}?`);
const isUiApi = (request: FastifyRequest) => request.url.startsWith(`${UI_PREFIX}/api/`);

const core: FastifyPluginAsync<Pick<SessionOptions, 'db' | 'clock' | 'policy'>> = async (app: FastifyInstance, opts) => {
  await app.register(fastifyCookie);
  // POLICY: a token is bound to the session cookie too (getUserInfo, session.ts csrfBinding), not
  // only to the `_csrf` secret cookie. The HMAC key is this process's (a token from before a
  // restart is refused; the page fetches a new one and retries once, app.js).
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure: 'auto' },
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: randomBytes(32) },
  });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyHelmet, { global: false, contentSecurityPolicy: { useDefaults: false, directives: { ...CSP_DIRECTIVES } } });

  app.decorateRequest('dashboardUser', null);
  app.decorateRequest('dashboardSessionEnded', null);
  const session = resolveSession(opts);
  app.addHook('onRequest', async (request, reply) => {
    if (!isUi(request)) return;
    await reply.helmet();
    await session(request, reply);
  });
  // POLICY: the CSRF check runs before the body is read and before any route (login included), so
  // a cross-site request can change nothing, not even which user is logged in.
  app.addHook('onRequest', (request, reply, done) => {
    if (!isUiApi(request) || SAFE_METHODS.has(request.method)) return done();
    app.csrfProtection(request, reply, done);
  });
};

// WHY skip-override (what fastify-plugin sets): these hooks and decorators must reach the plugins
// registered beside this one, which an encapsulated context would hide from them.
(core as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const dashboardCore = core;
