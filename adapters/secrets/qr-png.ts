/**
 * Writes secret-bearing files (today: the TOTP enrolment QR code) readable by their owner only.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import QRCode from 'qrcode';
import { FakeoutError } from '../../actors/domain/errors.ts';

/**
 * Renders `text` as a QR code PNG at `path`, mode 0600 in a directory created 0700.
 * @throws FakeoutError FAKEOUT_ERR_SECRETS_FILE when the directory or file cannot be written.
 *
 * POLICY: the file never exists with wider permissions, even briefly: it is written under a
 * temporary name created 0600 and renamed into place (which also replaces an older file whole).
 */
export async function writeQrPng(path: string, text: string): Promise<void> {
  const png = await QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, png, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600); // the umask can only narrow the mode; this makes it exact
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new FakeoutError('FAKEOUT_ERR_SECRETS_FILE', `could not write ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
}

/** Removes a file written by {@link writeQrPng} (when the enrolment it shows was not stored). */
export async function removeSecretFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
