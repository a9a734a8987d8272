/**
 * Who runs and who connects: the process roles and the NATS users of nats.conf. Plain data, so
 * config (which validates FAKEOUT_ROLE and the passwords), the NATS adapter (which starts the
 * embedded server with those users) and the role table (actors/app/roles.ts, which maps every
 * actor to a role and a user) share one list.
 */

/** `all` runs every role in one process (still one NATS connection per user). */
export const PROCESS_ROLES = ['all', 'pipeline', 'gateway', 'ops'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/** The users declared in nats.conf, least privilege each (see the comments there). */
export const NATS_USERS = ['admin', 'ingest', 'pipeline', 'gateway', 'ops'] as const;
export type NatsUser = (typeof NATS_USERS)[number];

/** The environment variable nats.conf reads each user's password from (and fakeout too, with NATS_URL). */
export const NATS_PASSWORD_ENV: Readonly<Record<NatsUser, string>> = Object.freeze({
  admin: 'FAKEOUT_NATS_ADMIN_PASSWORD',
  ingest: 'FAKEOUT_NATS_INGEST_PASSWORD',
  pipeline: 'FAKEOUT_NATS_PIPELINE_PASSWORD',
  gateway: 'FAKEOUT_NATS_GATEWAY_PASSWORD',
  ops: 'FAKEOUT_NATS_OPS_PASSWORD',
});
