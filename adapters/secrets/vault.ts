/**
 * The broker credentials vault: a JSON file of named secrets (`{"apiKey": "…", "apiSecret": "…"}`)
 * whose path comes from the environment (FAKEOUT_BROKER_SECRETS_FILE), loaded only by a process
 * whose role runs the execution side.
 *
 * POLICY: a secrets file readable or writable by group or others is refused at start, before any
 * value is read: a key anyone on the machine can read protects nothing. Values never appear in
 * an error, a log line or `toJSON`, and every read of one is reported to `onRead` (the wiring
 * writes it to the audit log: the vault access log) BEFORE the value is handed out.
 */
import { readFileSync, statSync } from 'node:fs';
import { FakeoutError } from '../../actors/domain/errors.ts';

/** What a read reports: which secret, for whom, from which file. Never the value. */
export interface SecretRead {
  name: string;
  reader: string;
  file: string;
}

export interface Vault {
  /** the names held (not the values) */
  readonly names: readonly string[];
  readonly file: string;
  /** the value of `name`, after `onRead` has recorded the read; throws for an unknown name */
  read(name: string, reader: string): Promise<string>;
}

const fail = (file: string, message: string, cause?: unknown): never => {
  throw new FakeoutError('FAKEOUT_ERR_SECRETS_FILE', message, { ...(cause === undefined ? {} : { cause }), details: { field: 'FAKEOUT_BROKER_SECRETS_FILE', file } });
};

/**
 * Opens the vault: checks the file's permissions and shape. Reading a value goes through
 * `read`, which awaits `onRead` first (so a failed audit write means no secret handed out).
 * @throws FakeoutError FAKEOUT_ERR_SECRETS_FILE naming the file: missing, too open, not a JSON
 *   object of non-empty strings.
 */
export function openVault(file: string, onRead: (r: SecretRead) => Promise<void>): Vault {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (err) {
    return fail(file, `FAKEOUT_BROKER_SECRETS_FILE: ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
  }
  if ((mode & 0o077) !== 0) {
    fail(file, `FAKEOUT_BROKER_SECRETS_FILE: ${file} is open to group or others (mode ${mode.toString(8).padStart(3, '0')}); run: chmod 600 ${file}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // The parser's message may quote the file's content: say only where it failed.
    return fail(file, `FAKEOUT_BROKER_SECRETS_FILE: ${file} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail(file, `FAKEOUT_BROKER_SECRETS_FILE: ${file} must hold a JSON object of named secrets`);
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'string' || value === '') fail(file, `FAKEOUT_BROKER_SECRETS_FILE: secret ${JSON.stringify(name)} in ${file} must be a non-empty string`);
    values.set(name, value as string);
  }
  return {
    names: Object.freeze([...values.keys()].sort()),
    file,
    async read(name, reader) {
      const value = values.get(name);
      if (value === undefined) fail(file, `no secret named ${JSON.stringify(name)} in ${file} (it holds: ${[...values.keys()].sort().join(', ') || 'nothing'})`);
      await onRead({ name, reader, file });
      return value!;
    },
    toJSON: () => ({ file, names: [...values.keys()].sort() }),
  } as Vault;
}
