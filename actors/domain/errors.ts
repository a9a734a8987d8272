/**
 * The one error registry. Every failure fakeout reports to a person has a stable code
 * `FAKEOUT_ERR_<AREA>_<WHAT>`, a one-line meaning and, where it reaches HTTP, a status.
 * docs/errors.md lists them; spec/domain/errors.test.ts keeps the two in step.
 */
export const ERROR_CODES = Object.freeze({
  FAKEOUT_ERR_CONFIG_INVALID: { status: 500, meaning: 'an environment variable or config value is invalid' },
  FAKEOUT_ERR_BACKTEST_PARAMS: { status: 400, meaning: 'a backtest parameter file, --sweep or --walk-forward is invalid, or would switch costs off; the message names the parameter' },
  FAKEOUT_ERR_RESEARCH_STRATEGY: { status: 400, meaning: 'a --strategy module could not be imported, its default export is not a Strategy, or a strategy broke the one-step-per-bar contract' },
  FAKEOUT_ERR_RESEARCH_LOOKAHEAD_BIAS: { status: 422, meaning: 'fakeout check lookahead found values or signals that change when the bars after them are cut off; the message names each one' },
  FAKEOUT_ERR_RESEARCH_NO_WARMUP: { status: 422, meaning: 'fakeout check warmup found no warm-up length tried after which the last bar\'s values stay within the tolerance' },
  FAKEOUT_ERR_INGEST_BAD_ROW: { status: 400, meaning: 'a replay row could not be parsed; the message names the line and the reason' },
  FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT: { status: 400, meaning: 'a replay file matches no known format and no column mapping was given' },
  FAKEOUT_ERR_INGEST_FILE: { status: 400, meaning: 'a replay file could not be read (missing, unreadable, bad zip)' },
  FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED: { status: 401, meaning: 'the webhook secret is missing or wrong' },
  FAKEOUT_ERR_WEBHOOK_INVALID: { status: 400, meaning: 'the webhook body failed validation; the message names the field' },
  FAKEOUT_ERR_WEBHOOK_NOT_JSON: { status: 400, meaning: 'the webhook body is not JSON' },
  FAKEOUT_ERR_WEBHOOK_TOO_LARGE: { status: 413, meaning: 'the webhook body is over the size limit' },
  FAKEOUT_ERR_WEBHOOK_FORBIDDEN: { status: 403, meaning: 'the webhook request came from an address FAKEOUT_WEBHOOK_ALLOW_IPS does not list' },
  FAKEOUT_ERR_WEBHOOK_RATE_LIMITED: { status: 429, meaning: 'the sender is over FAKEOUT_WEBHOOK_RATE requests a minute; Retry-After says when to try again' },
  FAKEOUT_ERR_INGEST_UNAVAILABLE: { status: 503, meaning: 'the RAW stream did not acknowledge the event; nothing was stored, retry' },
  FAKEOUT_ERR_TIME_INVALID: { status: 400, meaning: 'a timestamp could not be understood' },
  FAKEOUT_ERR_TIME_NTP_TIMEOUT: { status: 503, meaning: 'an NTP server did not answer within FAKEOUT_NTP_TIMEOUT_MS (or the request could not be sent)' },
  FAKEOUT_ERR_TIME_NTP_REFUSED: { status: 502, meaning: "an NTP reply failed an RFC 4330 sanity check; details.check names it (kiss, stratum, leap, mode, version, origin, transmit, delay, length)" },
  FAKEOUT_ERR_NATS_CONNECT: { status: 503, meaning: 'could not connect to NATS' },
  FAKEOUT_ERR_NATS_SERVER_START: { status: 500, meaning: 'the embedded nats-server could not be started' },
  FAKEOUT_ERR_NATS_PUBLISH: { status: 503, meaning: 'a JetStream publish was not acknowledged' },
  FAKEOUT_ERR_DB_CONNECT: { status: 503, meaning: 'could not connect to the database' },
  FAKEOUT_ERR_DB_APPEND_ONLY: { status: 500, meaning: 'an UPDATE or DELETE was attempted on an append-only table' },
  FAKEOUT_ERR_SUPERVISOR_INTENSITY: { status: 500, meaning: 'a supervisor exceeded its restart intensity and gave up' },
  FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD: { status: 404, meaning: 'no actor at that supervision path' },
  FAKEOUT_ERR_SUPERVISOR_NOT_RUNNING: { status: 409, meaning: 'a fault was asked for an actor that is not running right now (restarting, stopped or failed); nothing was injected' },
  FAKEOUT_ERR_STAGE_FAULT: { status: 500, meaning: 'a fault was injected into an actor' },
  FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE: { status: 415, meaning: 'the webhook Content-Type is neither application/json nor text/plain' },
  FAKEOUT_ERR_HTTP_NOT_FOUND: { status: 404, meaning: 'no HTTP route for that method and path' },
  FAKEOUT_ERR_HTTP_BAD_REQUEST: { status: 400, meaning: 'the HTTP request was malformed (headers, Content-Length, encoding)' },
  FAKEOUT_ERR_HTTP_NOT_JSON: { status: 400, meaning: 'the request body is not JSON (any route but the webhook, which answers FAKEOUT_ERR_WEBHOOK_NOT_JSON)' },
  FAKEOUT_ERR_HTTP_TOO_LARGE: { status: 413, meaning: 'the request body is over the size limit (any route but the webhook, which answers FAKEOUT_ERR_WEBHOOK_TOO_LARGE)' },
  FAKEOUT_ERR_HTTP_MEDIA_TYPE: { status: 415, meaning: 'the request Content-Type is not one the route reads (any route but the webhook, which answers FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE)' },
  FAKEOUT_ERR_HTTP_INTERNAL: { status: 500, meaning: 'an unexpected server error; the detail is in the log, not the response' },
  FAKEOUT_ERR_DB_QUERY: { status: 500, meaning: 'a database statement failed; the cause carries the driver error and its SQLSTATE' },
  FAKEOUT_ERR_DB_MIGRATION: { status: 500, meaning: 'a schema migration failed; the database was left at the last migration that succeeded' },
  FAKEOUT_ERR_API_INVALID_QUERY: { status: 400, meaning: 'a query parameter (or header) of the HTTP API is invalid; the message and field name it' },
  FAKEOUT_ERR_CLI_UNREACHABLE: { status: 503, meaning: 'a command found no fakeout answering at its --url, or the one it followed went away' },
  FAKEOUT_ERR_DB_CHAIN: { status: 500, meaning: 'raw events were appended out of sequence order, which would break the hash chain' },
  FAKEOUT_ERR_EXEC_COST_MODEL_INVALID: { status: 500, meaning: 'a cost-model parameter or input is invalid, or the costs of a venue add up to zero; the message names the parameter' },
  FAKEOUT_ERR_EXEC_UNKNOWN_SYMBOL: { status: 400, meaning: 'no instrument is configured for that symbol, so it cannot be sized or traded' },
  FAKEOUT_ERR_EXEC_INVALID_MESSAGE: { status: 400, meaning: 'an ORDERS message (intent, approval, rejection, sent, failed, fill) is malformed; the message names the field' },
  FAKEOUT_ERR_EXEC_BAR_NOT_STORED: { status: 503, meaning: 'the paper broker was moved to a bar that is still not in Postgres after waiting; the stage restarts and tries again' },
  FAKEOUT_ERR_EXEC_SNAPSHOT: { status: 500, meaning: 'an execution snapshot (position, liquidity tracker) could not be restored' },
  FAKEOUT_ERR_BROKER_DUPLICATE_ORDER: { status: 409, meaning: 'an order with that client order id was already placed; it is never placed or filled twice' },
  FAKEOUT_ERR_BROKER_INVALID_ORDER: { status: 400, meaning: 'a broker refused an order as malformed (quantity, side, type, missing execution hints); the message names the field' },
  FAKEOUT_ERR_AUTH_INVALID: { status: 400, meaning: 'a user name, role, password, TOTP code option or command flag is invalid; the message names the field' },
  FAKEOUT_ERR_AUTH_USER_EXISTS: { status: 409, meaning: 'a user of that name already exists; nothing was changed' },
  FAKEOUT_ERR_AUTH_UNKNOWN_USER: { status: 401, meaning: 'no user of that name' },
  FAKEOUT_ERR_AUTH_FORBIDDEN: { status: 403, meaning: "the user's role does not allow that action" },
  FAKEOUT_ERR_AUTH_NOT_ENROLLED: { status: 403, meaning: 'the user has no TOTP enrolment, so cannot approve' },
  FAKEOUT_ERR_AUTH_ALREADY_ENROLLED: { status: 409, meaning: 'the user already has a TOTP enrolment; replacing it must be asked for' },
  FAKEOUT_ERR_AUTH_TOTP_MALFORMED: { status: 400, meaning: 'the TOTP code is not six digits' },
  FAKEOUT_ERR_AUTH_TOTP_WRONG: { status: 401, meaning: "the TOTP code does not match the user's secret within one 30 s step" },
  FAKEOUT_ERR_AUTH_TOTP_REUSED: { status: 401, meaning: 'the TOTP code, or a later one, was already used by this user' },
  FAKEOUT_ERR_AUTH_LOCKED: { status: 423, meaning: 'the user is locked after repeated failed approvals' },
  FAKEOUT_ERR_AUDIT_INVALID: { status: 500, meaning: 'an audit entry is malformed; nothing was appended' },
  FAKEOUT_ERR_AUDIT_CHAIN_BROKEN: { status: 500, meaning: 'the audit log hash chain does not verify; the message names the first broken seq' },
  FAKEOUT_ERR_SECRETS_FILE: { status: 500, meaning: 'a file that holds a secret (a TOTP enrolment QR code) could not be written' },
  FAKEOUT_ERR_CLI_USAGE: { status: 400, meaning: 'the command line was not understood: an unknown command or flag, a missing value or argument' },
  FAKEOUT_ERR_AUTH_PASSWORD_WRONG: { status: 401, meaning: 'unknown user, no password set, or a wrong password (one answer for all three; the audit log says which)' },
  FAKEOUT_ERR_ORDER_INVALID: { status: 400, meaning: 'an order id or a rejection reason is malformed; the message names the field' },
  FAKEOUT_ERR_BREAKER_INVALID: { status: 400, meaning: 'a kill-switch request is malformed (its reason); the message names the field' },
  FAKEOUT_ERR_BREAKER_COOLDOWN: { status: 409, meaning: "a breaker reset while the breaker is open and its cooldown is not over by the gateway clock; the message names when it ends; nothing was published and the code was not spent" },
  FAKEOUT_ERR_BREAKER_NOT_OPEN: { status: 409, meaning: 'a breaker reset while the breaker is closed (nothing to reset); nothing was published and the code was not spent' },
  FAKEOUT_ERR_ORDER_UNKNOWN: { status: 404, meaning: 'no order with that client order id' },
  FAKEOUT_ERR_ORDER_NOT_PENDING: { status: 409, meaning: 'the order is not waiting for approval (already decided, sent or expired); nothing was published' },
  FAKEOUT_ERR_ORDER_EXPIRED: { status: 409, meaning: 'the order came from live intake and its approval window (FAKEOUT_APPROVAL_TTL from when its signal was received) is over by wall clock; nothing was published' },
  FAKEOUT_ERR_INTEGRITY_FAILED: { status: 500, meaning: 'the raw store does not reconcile: RAW and raw_events disagree or the hash chain is broken; the output names each problem by seq and id' },
  FAKEOUT_ERR_DATA_DIR_LOCKED: { status: 409, meaning: 'another running fakeout holds the data directory; the message names its pid' },
  FAKEOUT_ERR_CONFIG_PROPOSAL_INVALID: { status: 400, meaning: 'a config proposal or decision is malformed, or a proposed value breaks the start-up rules; the message names the parameter' },
  FAKEOUT_ERR_CONFIG_PROPOSAL_UNKNOWN: { status: 404, meaning: 'no config proposal with that id, or no applied config version with that number' },
  FAKEOUT_ERR_CONFIG_PROPOSAL_CLOSED: { status: 409, meaning: 'the config proposal is no longer open (applied, rejected or expired), or the version it was made against is no longer current; nothing changed' },
  FAKEOUT_ERR_CONFIG_SELF_APPROVAL: { status: 403, meaning: 'the person approving a config change is the one who proposed it (or already approved it) and a second, different person is required; nothing changed' },
  FAKEOUT_ERR_DASHBOARD_UNAUTHENTICATED: { status: 401, meaning: 'a dashboard API call without a live session: not logged in, logged out, or the session expired or sat idle too long' },
  FAKEOUT_ERR_DASHBOARD_CSRF: { status: 403, meaning: 'a state-changing dashboard API call without a valid CSRF token (header x-csrf-token); nothing changed' },
  FAKEOUT_ERR_DASHBOARD_RATE_LIMITED: { status: 429, meaning: 'too many dashboard logins from one address or for one user; Retry-After says when to try again' },
  FAKEOUT_ERR_DASHBOARD_INVALID: { status: 400, meaning: 'a dashboard API request body or query is malformed; the message names the field' },
  FAKEOUT_ERR_DASHBOARD_UNAVAILABLE: { status: 503, meaning: 'this process does not serve that dashboard action (approvals and config decisions need a process with the gateway NATS user: roles all and gateway)' },
  FAKEOUT_ERR_CONFIG_UNAVAILABLE: { status: 503, meaning: 'the config bucket could not be read or written (NATS down, or no admin credentials in this process); nothing was applied' },
} as const);

export type ErrorCode = keyof typeof ERROR_CODES;

export class FakeoutError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** extra machine-readable detail, e.g. `{ field: 'price' }` or `{ line: 12 }` (not `details`: uvu reads that as a diff string) */
  readonly info: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FakeoutError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.info = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.info };
  }
}

export function isFakeoutError(err: unknown, code?: ErrorCode): err is FakeoutError {
  return err instanceof FakeoutError && (code === undefined || err.code === code);
}

/**
 * One line for a log or a crash reason: `CODE: message` when the error carries a code (a
 * FakeoutError, or a library error with a string code), else its message.
 */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return typeof err === 'string' ? err : String(err);
}
