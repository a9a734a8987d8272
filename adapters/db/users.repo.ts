/**
 * `users`, `totp_enrolments` and `auth_state`. Plain storage: the rules (roles, TOTP, lockout)
 * are in actors/auth, and the auth service writes the audit entry beside each change.
 */
import { FakeoutError } from '../../actors/domain/errors.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db, UserRow } from './schema.ts';
import { inTransaction } from './transaction.ts';

export interface NewUser {
  name: string;
  role: string;
  passwordHash: string | null;
  createdAt: number;
}

/** A user's approval state, as the lockout rules see it plus the single-use step. */
export interface AuthState {
  lastUsedStep: number | null;
  failures: number[];
  lockedUntil: number | null;
}

/**
 * Inserts a user and its empty approval state.
 * @throws FakeoutError FAKEOUT_ERR_AUTH_USER_EXISTS when the name is taken (nothing changes).
 */
export async function insertUser(db: Db, user: NewUser): Promise<void> {
  await withDbErrors('add a user', () =>
    inTransaction(db, async (trx) => {
      const res = await trx
        .insertInto('users')
        .values({ name: user.name, role: user.role, password_hash: user.passwordHash, created_at: user.createdAt })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      if ((res.numInsertedOrUpdatedRows ?? 0n) === 0n) {
        throw new FakeoutError('FAKEOUT_ERR_AUTH_USER_EXISTS', `user ${JSON.stringify(user.name)} already exists; nothing was changed`, {
          details: { field: 'name', user: user.name },
        });
      }
      await trx.insertInto('auth_state').values({ user_name: user.name, last_used_step: null, failures: '[]', locked_until: null }).execute();
    }),
  );
}

export async function getUser(db: Db, name: string): Promise<UserRow | undefined> {
  return withDbErrors('read a user', () => db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst());
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  return withDbErrors('list users', () => db.selectFrom('users').selectAll().orderBy('name').execute());
}

/** When the user enrolled, without reading the secret (no audit needed). */
export async function getEnrolment(db: Db, name: string): Promise<{ enrolledAt: number } | undefined> {
  const row = await withDbErrors('read a TOTP enrolment', () =>
    db.selectFrom('totp_enrolments').select('enrolled_at').where('user_name', '=', name).executeTakeFirst(),
  );
  return row === undefined ? undefined : { enrolledAt: row.enrolled_at };
}

/**
 * Reads a user's TOTP secret.
 *
 * POLICY: every caller records a `secret.read` audit entry in the same transaction (the auth
 * service does); this is the only function that selects the `secret` column.
 */
export async function readTotpSecret(db: Db, name: string): Promise<string | undefined> {
  const row = await withDbErrors('read a TOTP secret', () =>
    db.selectFrom('totp_enrolments').select('secret').where('user_name', '=', name).executeTakeFirst(),
  );
  return row?.secret;
}

/** Stores (or replaces) a user's TOTP secret. */
export async function saveEnrolment(db: Db, name: string, secret: string, enrolledAt: number): Promise<void> {
  await withDbErrors('save a TOTP enrolment', () =>
    db
      .insertInto('totp_enrolments')
      .values({ user_name: name, secret, enrolled_at: enrolledAt })
      .onConflict((oc) => oc.column('user_name').doUpdateSet({ secret, enrolled_at: enrolledAt }))
      .execute(),
  );
}

/**
 * Reads a user's approval state and locks its row until the transaction ends, so two approvals
 * by one user are decided one after the other (single use holds under concurrency).
 *
 * POLICY: inside one transaction, lock auth_state before appending to the audit log (whose lock
 * is then taken second), so approvals and audit appends never wait on each other in a cycle.
 */
export async function lockAuthState(trx: Db, name: string): Promise<AuthState | undefined> {
  const row = await withDbErrors('lock the approval state', () =>
    trx.selectFrom('auth_state').selectAll().where('user_name', '=', name).forUpdate().executeTakeFirst(),
  );
  if (row === undefined) return undefined;
  return { lastUsedStep: row.last_used_step, failures: [...row.failures], lockedUntil: row.locked_until };
}

export async function saveAuthState(trx: Db, name: string, state: AuthState): Promise<void> {
  await withDbErrors('save the approval state', () =>
    trx
      .updateTable('auth_state')
      .set({ last_used_step: state.lastUsedStep, failures: JSON.stringify(state.failures), locked_until: state.lockedUntil })
      .where('user_name', '=', name)
      .execute(),
  );
}
