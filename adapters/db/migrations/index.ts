/**
 * Every migration, imported statically and keyed by name. Kysely applies them in name order,
 * so names start with a zero-padded number. No file-system scanning: the list is code, bundles
 * and type-checks like code, and cannot pick up a stray file.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_execution.ts';
import * as m0003 from './0003_auth_audit.ts';
import * as m0004 from './0004_monitors.ts';
import * as m0005 from './0005_integrity.ts';
import * as m0006 from './0006_config.ts';
import * as m0007 from './0007_regime.ts';
import * as m0008 from './0008_dashboard_sessions.ts';
import * as m0009 from './0009_checkpoint_parts.ts';

/** name → migration, in the order they apply. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_foundation': m0001,
  '0002_execution': m0002,
  '0003_auth_audit': m0003,
  '0004_monitors': m0004,
  '0005_integrity': m0005,
  '0006_config': m0006,
  '0007_regime': m0007,
  '0008_dashboard_sessions': m0008,
  '0009_checkpoint_parts': m0009,
});
