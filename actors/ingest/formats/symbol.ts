/**
 * Which symbols fakeout accepts. The symbol becomes part of NATS subjects (through
 * `symbolToken`), bar ids and database keys, so it is kept short and to a plain alphabet.
 */
import { formatMismatch } from './format-errors.ts';
import type { FormatName } from './replay-file.ts';

/** 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':', '/', '-'. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9._:/-]{1,64}$/;

export const SYMBOL_MAX_LENGTH = 64;

export function isValidSymbol(x: unknown): x is string {
  return typeof x === 'string' && SYMBOL_PATTERN.test(x);
}

/**
 * The caller's symbol if given, else the one derived from the file.
 * @throws FakeoutError FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT when there is none or it is invalid
 */
export function chooseSymbol(format: FormatName, name: string, given: string | undefined, derived: string | undefined): string {
  const symbol = given ?? derived;
  if (symbol === undefined) throw formatMismatch(format, name, 'the symbol cannot be derived from the file name; pass the symbol option', { field: 'symbol' });
  if (!isValidSymbol(symbol)) {
    throw formatMismatch(format, name, `symbol ${JSON.stringify(symbol)} must be 1-64 characters of A-Z a-z 0-9 . _ : / -`, { field: 'symbol' });
  }
  return symbol;
}
