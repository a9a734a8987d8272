/**
 * `fakeout orders pending|approve|reject` and `fakeout breaker reset|trip`.
 *
 * Decisions go through the running fakeout's HTTP API (adapters/http/orders.routes.ts), because
 * they are published on ORDERS as the `gateway` NATS user and only that process holds its
 * credentials. The person authenticates with their password, read from the environment variable
 * named by `--password-env` (default FAKEOUT_PASSWORD; never on the command line), and for
 * approve and reset with their current TOTP code.
 *
 * `orders pending` reads the database directly (with or without a running fakeout, except beside
 * one on embedded Postgres), or asks the running fakeout with `--user`.
 */
import { formatUtc } from '../../adapters/time/clock.ts';
import type { OrderRecord } from '../../adapters/db/orders.repo.ts';
import { ERROR_CODES, FakeoutError, type ErrorCode } from '../domain/errors.ts';
import { ORDER_STATUS } from '../execution/order-messages.ts';
const PENDING_APPROVAL = ORDER_STATUS.pendingApproval;
import { parseCommandArgs, type CommandSyntax } from './cli-args.ts';

export const DEFAULT_PASSWORD_ENV = 'FAKEOUT_PASSWORD';
export const URL_FLAG = { arg: 'URL', help: 'the running fakeout (default: http://HOST:PORT from the environment)' } as const;
export const PASSWORD_FLAG = { arg: 'VAR', help: `the environment variable holding the user's password (default ${DEFAULT_PASSWORD_ENV})` } as const;
const USER_FLAG = { arg: 'NAME', help: 'who decides (an approver or admin)', required: true } as const;
const CODE_FLAG = { arg: 'CODE', help: 'the six digits their authenticator shows now', required: true } as const;

export const ORDER_COMMANDS = Object.freeze({
  'orders pending': {
    summary: 'list the orders waiting for approval, oldest first: from the database, or with --user from the running fakeout',
    flags: { user: { arg: 'NAME', help: "ask the running fakeout over HTTP as this user (needed beside a fakeout on embedded Postgres)" }, 'password-env': PASSWORD_FLAG, url: URL_FLAG },
    positionals: [],
  },
  'orders approve': {
    summary: "approve an order with the user's password and current TOTP code, through the running fakeout; exit 1 when refused",
    flags: { user: USER_FLAG, code: CODE_FLAG, 'password-env': PASSWORD_FLAG, url: URL_FLAG },
    positionals: ['ORDER_ID'],
  },
  'orders reject': {
    summary: "reject an order with the user's password, through the running fakeout; exit 1 when refused",
    flags: { user: USER_FLAG, reason: { arg: 'TEXT', help: 'why (1..500 characters)', required: true }, 'password-env': PASSWORD_FLAG, url: URL_FLAG },
    positionals: ['ORDER_ID'],
  },
  'breaker reset': {
    summary: "ask the gateway to close the open circuit breaker, with the user's password and current TOTP code",
    flags: { user: USER_FLAG, code: CODE_FLAG, 'password-env': PASSWORD_FLAG, url: URL_FLAG },
    positionals: [],
  },
  'breaker trip': {
    summary: "the kill switch: trip the circuit breaker now (trader, approver or admin; the user's password, no TOTP code), through the running fakeout",
    flags: { user: USER_FLAG, reason: { arg: 'TEXT', help: 'why (1..500 characters)', required: true }, 'password-env': PASSWORD_FLAG, url: URL_FLAG },
    positionals: [],
  },
} satisfies Record<string, CommandSyntax>);

export type OrderCommand = keyof typeof ORDER_COMMANDS;

export interface OrdersCliIo {
  env: Readonly<Record<string, string | undefined>>;
  /** where a running fakeout serves HTTP when --url is not given */
  defaultUrl: string;
  out: (line: string) => void;
  /** reads pending orders from the database (withAuthDatabase) */
  readPending: () => Promise<OrderRecord[]>;
}

/** How long a command waits for an answer (approve hashes a password: a fraction of a second). */
const TIMEOUT_MS = 10_000;

/** The user's password from the variable --password-env names (never from the command line). */
export function passwordFrom(flags: Record<string, string>, env: Readonly<Record<string, string | undefined>>, user: string): string {
  const variable = flags['password-env'] ?? DEFAULT_PASSWORD_ENV;
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new FakeoutError('FAKEOUT_ERR_AUTH_INVALID', `--password-env: set ${variable} to ${user}'s password (or name another variable with --password-env)`, { details: { field: '--password-env' } });
  }
  return value;
}

/** Calls the running fakeout; its refusals come back as the same FakeoutError (code, message, field). */
export async function callFakeout(url: string, path: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown }): Promise<unknown> {
  const base = url.replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method: init.method,
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.headers ?? {}) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_CLI_UNREACHABLE', `no fakeout running at ${url}`, { cause: err, details: { field: '--url' } });
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; field?: string } } | undefined;
  if (res.ok) return body;
  const code = body?.error?.code;
  if (typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)) {
    const field = body?.error?.field;
    throw new FakeoutError(code as ErrorCode, String(body?.error?.message ?? code), { details: typeof field === 'string' ? { field } : {} });
  }
  throw new FakeoutError('FAKEOUT_ERR_CLI_UNREACHABLE', `${init.method} ${base}${path} answered ${res.status} without a fakeout error: is that a fakeout?`, { details: { field: '--url' } });
}

/** One pending order as a line: created (UTC), client order id, symbol, side, quantity, decision price. */
export function formatPendingLine(o: Pick<OrderRecord, 'createdAt' | 'clientOrderId' | 'symbol' | 'side' | 'qty' | 'decisionPrice'>): string {
  return [formatUtc(o.createdAt), o.clientOrderId, o.symbol, o.side, String(o.qty), String(o.decisionPrice)].join('\t');
}

export async function runOrdersCommand(command: OrderCommand, args: readonly string[], io: OrdersCliIo): Promise<void> {
  const { flags, positionals } = parseCommandArgs(command, args, ORDER_COMMANDS[command]);
  const url = flags.url ?? io.defaultUrl;
  const id = positionals[0] ?? '';
  const path = `/api/orders/${encodeURIComponent(id)}`;
  switch (command) {
    case 'orders pending': {
      let orders: Parameters<typeof formatPendingLine>[0][];
      if (flags.user === undefined) {
        orders = (await io.readPending()).filter((o) => o.status === PENDING_APPROVAL);
      } else {
        const auth = `Basic ${Buffer.from(`${flags.user}:${passwordFrom(flags, io.env, flags.user)}`).toString('base64')}`;
        const body = (await callFakeout(url, '/api/orders?status=pending', { method: 'GET', headers: { authorization: auth } })) as { orders: Parameters<typeof formatPendingLine>[0][] };
        orders = body.orders;
      }
      if (orders.length === 0) io.out('no orders waiting for approval');
      for (const o of orders) io.out(formatPendingLine(o));
      return;
    }
    case 'orders approve': {
      const user = flags.user!;
      const code = flags.code!;
      await callFakeout(url, `${path}/approve`, { method: 'POST', body: { user, password: passwordFrom(flags, io.env, user), code } });
      io.out(`approved ${id} as ${user}: published on ORDERS; the gateway sends it unless it finds it decided or expired`);
      return;
    }
    case 'orders reject': {
      const user = flags.user!;
      const reason = flags.reason!;
      await callFakeout(url, `${path}/reject`, { method: 'POST', body: { user, password: passwordFrom(flags, io.env, user), reason } });
      io.out(`rejected ${id} as ${user}: published on ORDERS`);
      return;
    }
    case 'breaker reset': {
      const user = flags.user!;
      const code = flags.code!;
      await callFakeout(url, '/api/breaker/reset', { method: 'POST', body: { user, password: passwordFrom(flags, io.env, user), code } });
      io.out(`breaker reset requested by ${user}: published on ORDERS; the gateway decides whether it applies (docs/risk.md)`);
      return;
    }
    case 'breaker trip': {
      const user = flags.user!;
      const reason = flags.reason!;
      await callFakeout(url, '/api/breaker/trip', { method: 'POST', body: { user, password: passwordFrom(flags, io.env, user), reason } });
      io.out(`breaker trip requested by ${user}: published on ORDERS (risk.trip.manual); the gateway opens the breaker and pauses the gate (docs/risk.md)`);
      return;
    }
  }
}
