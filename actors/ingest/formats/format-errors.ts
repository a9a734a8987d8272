/** File-level errors raised by the format parsers, with the wording kept in one place. */
import { FakeoutError } from '../../domain/errors.ts';
import type { FormatName } from './replay-file.ts';

/**
 * The file does not fit the format it was read as (missing column, no symbol, no timeframe).
 * Uses FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT: the fix is the same - name the format or give the
 * missing option.
 */
export function formatMismatch(format: FormatName, name: string, reason: string, details: Record<string, unknown> = {}): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT', `${name} cannot be read as ${format}: ${reason}`, {
    details: { format, file: name, reason, ...details },
  });
}
