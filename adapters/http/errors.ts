/**
 * One mapping from any error to one response shape: `{ error: { code, message, field? } }`.
 * Library errors are classified by their stable `code` (fastify's `FST_ERR_*`), never by message.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FakeoutError, isFakeoutError } from '../../actors/domain/errors.ts';
import type { ErrorCode } from '../../actors/domain/errors.ts';

/** The body of every error response. */
export interface ErrorResponse {
  error: { code: ErrorCode; message: string; field?: string };
}

// WHY a table: fastify reports body-parsing failures with its own codes before any handler runs;
// each is given the fakeout code a client can act on. They are the generic HTTP codes: the
// webhook route turns them into its own (webhook.routes.ts, `asWebhookError`).
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = Object.freeze({
  FST_ERR_CTP_BODY_TOO_LARGE: 'FAKEOUT_ERR_HTTP_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'FAKEOUT_ERR_HTTP_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'FAKEOUT_ERR_HTTP_NOT_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'FAKEOUT_ERR_HTTP_NOT_JSON',
  // @fastify/csrf-protection on the dashboard's state-changing routes (adapters/http/dashboard/core.plugin.ts)
  FST_CSRF_MISSING_SECRET: 'FAKEOUT_ERR_DASHBOARD_CSRF',
  FST_CSRF_INVALID_TOKEN: 'FAKEOUT_ERR_DASHBOARD_CSRF',
});

function fastifyCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as Partial<FastifyError>).code;
  return typeof code === 'string' ? code : undefined;
}

function fastifyStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as Partial<FastifyError>).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Classifies any thrown value as a {@link FakeoutError}. Unknown failures become
 * `FAKEOUT_ERR_HTTP_INTERNAL` with a generic message; the original stays in `cause` for the log.
 */
export function toFakeoutError(err: unknown): FakeoutError {
  if (isFakeoutError(err)) return err;
  const code = fastifyCode(err);
  const mapped = code === undefined ? undefined : FASTIFY_CODES[code];
  if (mapped !== undefined) return new FakeoutError(mapped, messageFor(mapped), { cause: err });
  const status = fastifyStatus(err);
  // Other client errors fastify detects (bad Content-Length, bad encoding…) are the caller's fault.
  if (status !== undefined && status >= 400 && status < 500) {
    return new FakeoutError('FAKEOUT_ERR_HTTP_BAD_REQUEST', 'the request was malformed', { cause: err });
  }
  return new FakeoutError('FAKEOUT_ERR_HTTP_INTERNAL', 'internal error', { cause: err });
}

export function messageFor(code: ErrorCode): string {
  switch (code) {
    case 'FAKEOUT_ERR_HTTP_TOO_LARGE':
    case 'FAKEOUT_ERR_WEBHOOK_TOO_LARGE':
      return 'the request body is over the size limit';
    case 'FAKEOUT_ERR_HTTP_MEDIA_TYPE':
      return 'this route reads a JSON body: send Content-Type application/json';
    case 'FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE':
      return 'Content-Type must be application/json or text/plain';
    case 'FAKEOUT_ERR_DASHBOARD_CSRF':
      return 'missing or invalid CSRF token: send the token of GET /ui/api/csrf in the x-csrf-token header';
    default:
      return 'the request body is not valid JSON';
  }
}

/** The response body for `err`; `field` comes from `err.info.field` when it is a string. */
export function errorBody(err: FakeoutError): ErrorResponse {
  const field = err.info['field'];
  return {
    error: { code: err.code, message: err.message, ...(typeof field === 'string' ? { field } : {}) },
  };
}

/**
 * Sends `err` in the shared shape and logs it: server-side failures at `error` with the cause
 * (the response carries only a generic message), client errors at `info` without the body.
 */
export function sendError(err: FakeoutError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err.status >= 500) {
    request.log.error({ err: err.cause ?? err, code: err.code }, 'request failed');
  } else {
    request.log.info({ code: err.code, status: err.status }, 'request refused');
  }
  return reply.code(err.status).type('application/json; charset=utf-8').send(errorBody(err));
}

/** Installs the shared error and not-found handlers on `app` (inherited by its plugins). */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(toFakeoutError(err), request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      // The query string is dropped: it is the caller's, and may hold something they should not have sent.
      new FakeoutError('FAKEOUT_ERR_HTTP_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    ),
  );
}
