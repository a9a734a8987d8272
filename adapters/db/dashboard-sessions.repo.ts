/**
 * `dashboard_sessions`: plain storage of the dashboard's server-side sessions. The rules (how
 * long a session lives, when it is idle) are in adapters/http/dashboard/session-rules.ts; this
 * file only reads and writes rows keyed by the sha256 of the session id.
 */
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

export interface DashboardSessionRecord {
  idSha256: string;
  user: string;
  /** the user's role now (joined from users, so a role change applies to open sessions at once) */
  role: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export async function insertDashboardSession(db: Db, s: { idSha256: string; user: string; createdAt: number; expiresAt: number; remote: string | null }): Promise<void> {
  await withDbErrors('store a dashboard session', () =>
    db
      .insertInto('dashboard_sessions')
      .values({ id_sha256: s.idSha256, user_name: s.user, created_at: s.createdAt, last_seen_at: s.createdAt, expires_at: s.expiresAt, remote: s.remote })
      .execute(),
  );
}

/** The session with this id hash and its user's current role; undefined when unknown (or the user is gone). */
export async function getDashboardSession(db: Db, idSha256: string): Promise<DashboardSessionRecord | undefined> {
  const row = await withDbErrors('read a dashboard session', () =>
    db
      .selectFrom('dashboard_sessions as s')
      .innerJoin('users as u', 'u.name', 's.user_name')
      .select(['s.id_sha256', 's.user_name', 'u.role', 's.created_at', 's.last_seen_at', 's.expires_at'])
      .where('s.id_sha256', '=', idSha256)
      .executeTakeFirst(),
  );
  if (row === undefined) return undefined;
  return { idSha256: row.id_sha256, user: row.user_name, role: row.role, createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}

export async function touchDashboardSession(db: Db, idSha256: string, at: number): Promise<void> {
  await withDbErrors('refresh a dashboard session', () => db.updateTable('dashboard_sessions').set({ last_seen_at: at }).where('id_sha256', '=', idSha256).execute());
}

export async function deleteDashboardSession(db: Db, idSha256: string): Promise<boolean> {
  const res = await withDbErrors('end a dashboard session', () => db.deleteFrom('dashboard_sessions').where('id_sha256', '=', idSha256).executeTakeFirst());
  return (res.numDeletedRows ?? 0n) > 0n;
}

/** Removes sessions past their absolute end or idle since before `idleBefore`; returns how many. */
export async function deleteStaleDashboardSessions(db: Db, now: number, idleBefore: number): Promise<number> {
  const res = await withDbErrors('remove stale dashboard sessions', () =>
    db.deleteFrom('dashboard_sessions').where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleBefore)])).executeTakeFirst(),
  );
  return Number(res.numDeletedRows ?? 0n);
}
