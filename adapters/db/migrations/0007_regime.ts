/**
 * Regime tags on `signals` (docs/scoring.md, "Regimes"): `session`, `volatility_regime` and
 * `trend_regime` copy `features.regime` of each signal into columns, so signals can be grouped
 * and filtered by regime in SQL. Nullable: rows written before regime tagging have none (their
 * features JSON has no `regime` either).
 *
 * POLICY: a migration that has shipped is never edited; change the schema with a new file.
 */
import type { Kysely } from 'kysely';

const COLUMNS = ['session', 'volatility_regime', 'trend_regime'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('signals').addColumn(column, 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of COLUMNS) await db.schema.alterTable('signals').dropColumn(column).execute();
}
