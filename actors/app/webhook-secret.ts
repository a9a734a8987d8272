/**
 * The webhook's shared secret: FAKEOUT_WEBHOOK_SECRET, or one generated on first start and kept
 * (mode 0600) in <dataDir>/webhook-secret, so alerts keep working across restarts. The secret is
 * never logged; its file path is.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../adapters/log/index.ts';
import type { Config } from '../domain/config.ts';

export function loadWebhookSecret(config: Readonly<Config>, dataDir: string, log: Logger): string {
  if (config.webhookSecret !== undefined) return config.webhookSecret;
  const file = join(dataDir, 'webhook-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  log.info({ actor: 'http', file }, 'generated a webhook secret (set FAKEOUT_WEBHOOK_SECRET to choose one)');
  return secret;
}
