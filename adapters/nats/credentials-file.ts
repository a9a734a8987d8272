/**
 * The embedded nats-server's user passwords, generated once into `<storeDir>/users.json` with
 * owner-only permissions and reused on every later start, so a restarted fakeout (or a person
 * with the NATS CLI on the same machine) authenticates with the same passwords the server has.
 *
 * POLICY: the file is written 0600 in a 0700 directory, and a file readable by group or others
 * is refused rather than used: a password anyone on the machine can read protects nothing.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { NATS_USERS, generateNatsUsers, type NatsCredentials, type NatsUser } from './embedded-server.ts';

export function usersFile(storeDir: string): string {
  return join(storeDir, 'users.json');
}

/** Reads the users file, adding any user it lacks (an older data directory); creates it if missing. */
export function loadOrCreateNatsUsers(storeDir: string): Record<NatsUser, NatsCredentials> {
  mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  const file = usersFile(storeDir);
  const fresh = generateNatsUsers();
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600 });
    return fresh;
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new FakeoutError(
      'FAKEOUT_ERR_CONFIG_INVALID',
      `${file} is readable by group or others (mode ${mode.toString(8)}); run: chmod 600 ${file}`,
      { details: { field: file } },
    );
  }
  let stored: Partial<Record<NatsUser, NatsCredentials>>;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<NatsUser, NatsCredentials>>;
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${file} is not valid JSON; remove it to generate new passwords`, {
      cause: err,
      details: { field: file },
    });
  }
  const users = Object.fromEntries(
    NATS_USERS.map((u) => {
      const c = stored[u];
      return [u, c && typeof c.pass === 'string' && c.user === u ? c : fresh[u]];
    }),
  ) as Record<NatsUser, NatsCredentials>;
  if (NATS_USERS.some((u) => users[u] !== stored[u])) {
    writeFileSync(file, JSON.stringify(users, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return users;
}
