/**
 * `POST /webhook/tradingview`: TradingView alerts into ingest.
 *
 * TradingView posts the alert message as the body, as `text/plain` even when the message is JSON
 * (or `application/json`), and cannot set headers, so the shared secret travels in the body field
 * `secret`; other senders may use the `x-fakeout-secret` header instead.
 *
 * Who may send: before the body is read, a request must come from an address the allowlist
 * lists (when one is set) and be within its address's rate; only then is the secret looked at.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { addressList, type AddressList } from '../../actors/domain/address-list.ts';
import { FakeoutError, type ErrorCode } from '../../actors/domain/errors.ts';
import type { IngestOutcome, Metrics, WebhookOutcome } from '../metrics/metrics.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import { constantTimeEqual } from './constant-time-equal.ts';
import { messageFor, sendError, toFakeoutError } from './errors.ts';
import { SourceRateLimit } from './source-rate-limit.ts';

/** A bar the alert completes by itself (instants in epoch ms UTC). */
export interface ClosedBar {
  timeframe: string;
  openTime: number;
  closeTime: number;
}

/**
 * What ingest does with an authenticated alert: validate, publish to RAW, report dedupe and
 * which bars the alert completes (none for a tick alert). `flags` (e.g. `time_skew`) when the
 * alert was stored flagged; a refusal for skew is a FakeoutError with `info.flag` = `time_skew`.
 */
export type AcceptAlert = (
  body: Record<string, unknown>,
  meta: { remote: string },
) => Promise<{ id: string; duplicate: boolean; closes: readonly ClosedBar[]; flags?: readonly string[] }>;

/** The flag (on a stored envelope, or in `info.flag` of a refusal) that marks a skewed alert. */
export const TIME_SKEW_FLAG = 'time_skew';

/** Options of {@link webhookRoutes}. */
export interface WebhookRoutesOptions {
  /** Largest accepted body, in bytes. */
  bodyLimit: number;
  /** The shared secret; must not be empty. */
  webhookSecret: string;
  acceptAlert: AcceptAlert;
  metrics: Metrics;
  /** Addresses and CIDRs allowed to post (FAKEOUT_WEBHOOK_ALLOW_IPS); empty or absent: any address. */
  allowIps?: readonly string[] | undefined;
  /** Requests a minute per source address (FAKEOUT_WEBHOOK_RATE); 0 = no limit. Default {@link DEFAULT_WEBHOOK_RATE}. */
  ratePerMinute?: number | undefined;
  /** The rate limit's clock; default the system clock. */
  clock?: Clock | undefined;
}

/** Requests a minute per source address unless configured: ten a second, far above a TradingView account's alerts. */
export const DEFAULT_WEBHOOK_RATE = 600;

/** The header a sender that can set headers may use instead of the body field. */
export const SECRET_HEADER = 'x-fakeout-secret';
/** The path TradingView is pointed at. */
export const WEBHOOK_PATH = '/webhook/tradingview';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The secret the sender presented: the body field when present, else the header. */
function presentedSecret(request: FastifyRequest): string | undefined {
  const body = request.body;
  if (isRecord(body) && typeof body['secret'] === 'string') return body['secret'];
  const header = request.headers[SECRET_HEADER];
  return typeof header === 'string' ? header : undefined;
}

/**
 * How a refused request is counted in `fakeout_ingested_total{source="tradingview"}`:
 * a body we could not read is a `bad_row` (as an unparseable replay row is), a request refused
 * before reading (secret, size, media type) is `rejected`, one from an address not allowed is
 * `forbidden`, one over the rate is `rate_limited`, and our own failure is `failed`.
 */
function outcomeOf(err: FakeoutError): IngestOutcome {
  if (err.status >= 500) return 'failed';
  if (err.code === 'FAKEOUT_ERR_WEBHOOK_FORBIDDEN') return 'forbidden';
  if (err.code === 'FAKEOUT_ERR_WEBHOOK_RATE_LIMITED') return 'rate_limited';
  if (err.code === 'FAKEOUT_ERR_WEBHOOK_NOT_JSON' || err.code === 'FAKEOUT_ERR_WEBHOOK_INVALID') return 'bad_row';
  return 'rejected';
}

/** How a refused request is counted in `fakeout_webhook_requests_total`, by its registry code (docs/errors.md). */
const WEBHOOK_OUTCOME_OF_CODE: Readonly<Record<string, WebhookOutcome>> = Object.freeze({
  FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED: 'unauthorized',
  FAKEOUT_ERR_WEBHOOK_FORBIDDEN: 'forbidden',
  FAKEOUT_ERR_WEBHOOK_RATE_LIMITED: 'rate_limited',
  FAKEOUT_ERR_WEBHOOK_TOO_LARGE: 'too_large',
  FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE: 'unsupported_media_type',
  FAKEOUT_ERR_WEBHOOK_NOT_JSON: 'not_json',
  FAKEOUT_ERR_WEBHOOK_INVALID: 'invalid',
  FAKEOUT_ERR_INGEST_UNAVAILABLE: 'unavailable',
});

/** The generic body-parsing codes (adapters/http/errors.ts) and the webhook's own for the same refusal. */
const WEBHOOK_CODE_OF: Readonly<Partial<Record<ErrorCode, ErrorCode>>> = Object.freeze({
  FAKEOUT_ERR_HTTP_NOT_JSON: 'FAKEOUT_ERR_WEBHOOK_NOT_JSON',
  FAKEOUT_ERR_HTTP_TOO_LARGE: 'FAKEOUT_ERR_WEBHOOK_TOO_LARGE',
  FAKEOUT_ERR_HTTP_MEDIA_TYPE: 'FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE',
});

/** A refusal of the webhook route under the webhook's code (what its senders, docs and metrics know). */
export function asWebhookError(err: FakeoutError): FakeoutError {
  const code = WEBHOOK_CODE_OF[err.code];
  return code === undefined ? err : new FakeoutError(code, messageFor(code), { cause: err.cause ?? err, details: { ...err.info } });
}

/** The `fakeout_webhook_requests_total` outcome of a refused request: its code's, else `invalid` (4xx) or `error` (5xx). */
export function webhookOutcomeOf(err: FakeoutError): WebhookOutcome {
  return WEBHOOK_OUTCOME_OF_CODE[err.code] ?? (err.status >= 500 ? 'error' : 'invalid');
}

/** The allowlist matcher; a malformed entry stops the start, named like loadConfig names it. */
function allowlistOf(entries: readonly string[]): AddressList {
  try {
    return addressList(entries);
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `FAKEOUT_WEBHOOK_ALLOW_IPS: ${(err as Error).message}`, {
      cause: err,
      details: { field: 'FAKEOUT_WEBHOOK_ALLOW_IPS' },
    });
  }
}

/**
 * Registers the webhook route in its own encapsulated context, so its body parsers and its
 * counting error handler apply to it alone.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, opts) => {
  const { bodyLimit, webhookSecret, acceptAlert, metrics } = opts;
  if (webhookSecret.length === 0) {
    // POLICY: an empty secret would let anyone publish to RAW; refuse to start instead.
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'the webhook secret must not be empty');
  }
  const count = (outcome: IngestOutcome): void => metrics.ingested.inc({ source: 'tradingview', outcome });
  const allowed = allowlistOf(opts.allowIps ?? []);
  const ratePerMinute = opts.ratePerMinute ?? DEFAULT_WEBHOOK_RATE;
  if (!Number.isInteger(ratePerMinute) || ratePerMinute < 0) {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `the webhook rate must be a whole number of requests a minute (0 = off), got ${ratePerMinute}`);
  }
  const limit = ratePerMinute === 0 ? undefined : new SourceRateLimit({ perMinute: ratePerMinute, clock: opts.clock ?? systemClock });
  if (allowed.entries.length === 0) {
    app.log.warn({ variable: 'FAKEOUT_WEBHOOK_ALLOW_IPS' }, 'webhook open to any address: FAKEOUT_WEBHOOK_ALLOW_IPS is empty, so only the secret stands between the internet and RAW (docs/webhook.md "Who may send data")');
  }

  // onRequest runs before the body is read, so a refused sender costs no parsing, and the order
  // is allowlist, then rate, then (in the handler) the secret.
  // POLICY: the answer to a refused address names nothing (no list, no secret): it only says no.
  app.addHook('onRequest', async (request) => {
    if (allowed.entries.length > 0 && !allowed.has(request.ip)) {
      throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_FORBIDDEN', 'this address may not post to this webhook');
    }
    if (limit !== undefined) {
      const decision = limit.take(request.ip);
      if (!decision.allowed) {
        throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_RATE_LIMITED', 'too many requests from this address; retry later', {
          details: { retryAfterSeconds: decision.retryAfterSeconds },
        });
      }
    }
  });

  // Both media types are read as text and parsed as JSON by fastify's own parser, which refuses
  // __proto__ / constructor poisoning; any other Content-Type stays unparsed and gets a 415.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit }, (request, body, done) => {
    parseJson(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) done(new FakeoutError('FAKEOUT_ERR_WEBHOOK_NOT_JSON', 'the request body is not valid JSON', { cause: err }));
      else done(null, value);
    });
  });

  app.setErrorHandler((err, request, reply) => {
    const fe = asWebhookError(toFakeoutError(err));
    count(outcomeOf(fe));
    metrics.webhookRequests.inc({ outcome: webhookOutcomeOf(fe) });
    if (fe.info['flag'] === TIME_SKEW_FLAG) metrics.webhookTimeSkew.inc({ action: 'refused' });
    // A refused alert is an operator's business (a broken template, a leaked URL): say who sent
    // what was wrong. POLICY: never the body, never the secret; only the code, field and address.
    if (fe.status < 500) {
      const field = fe.info['field'];
      request.log.warn({ code: fe.code, ...(typeof field === 'string' ? { field } : {}), remote: request.ip }, 'webhook refused');
    }
    const retryAfter = fe.info['retryAfterSeconds'];
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    return sendError(fe, request, reply);
  });

  app.post(WEBHOOK_PATH, { bodyLimit }, async (request, reply) => {
    const secret = presentedSecret(request);
    // POLICY: acceptAlert is never called for an unauthenticated request.
    if (secret === undefined || !constantTimeEqual(secret, webhookSecret)) {
      throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED', 'the webhook secret is missing or wrong');
    }
    const body = request.body;
    if (!isRecord(body)) {
      throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_INVALID', 'the webhook body must be a JSON object', {
        details: { field: 'body' },
      });
    }
    // The secret goes no further than this handler: not to ingest, not to RAW, not to a log.
    const { secret: _secret, ...alert } = body;
    const result = await acceptAlert(alert, { remote: request.ip });
    count(result.duplicate ? 'duplicate' : 'accepted');
    metrics.webhookRequests.inc({ outcome: result.duplicate ? 'duplicate' : 'accepted' });
    const flags = result.flags ?? [];
    // POLICY: a skewed alert kept by FAKEOUT_WEBHOOK_SKEW_ACTION=flag is counted and logged, never silent
    if (flags.includes(TIME_SKEW_FLAG)) {
      metrics.webhookTimeSkew.inc({ action: 'flagged' });
      request.log.warn({ id: result.id, flags, remote: request.ip }, 'webhook alert stored flagged: time skew');
    }
    const closes = result.closes.map((c) => ({ timeframe: c.timeframe, openTime: c.openTime, closeTime: c.closeTime }));
    return reply.code(202).send({ id: result.id, duplicate: result.duplicate, closedBar: closes.length > 0, closes, ...(flags.length > 0 ? { flags } : {}) });
  });
};
