/**
 * The hash chain over `raw_events`. Pure: no I/O, no clock.
 *
 * Each row stores `content_sha256 = sha256(canonicalJson(envelope))`, the previous row's
 * `row_sha256` (by seq) as `prev_sha256`, and `row_sha256 = sha256(prev_sha256 + content_sha256)`
 * (the two lowercase hex strings concatenated). Changing, inserting or removing any row but the
 * last breaks the link after it, so the integrity auditor finds the first bad seq by recomputing.
 */
import { createHash } from 'node:crypto';

/** The `prev_sha256` of the first row: 64 zeros. */
export const GENESIS_SHA = '0'.repeat(64);

/**
 * JSON with object keys sorted (by UTF-16 code unit, as `Array.prototype.sort` does) at every
 * depth, no whitespace, arrays in order. Values JSON cannot hold behave as in `JSON.stringify`:
 * `undefined` members are dropped, `NaN`/`Infinity` become `null`, `toJSON` is honoured.
 *
 * Why not `JSON.stringify` alone: the envelope is read back from JSONB, which reorders keys, and
 * the hash must not depend on key order.
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value);
  // POLICY: the top level must be representable; a bare `undefined` has no JSON text to hash.
  if (text === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return text;
}

function encode(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return encode((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => encode(v) ?? 'null').join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const v = encode((value as Record<string, unknown>)[key]);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (typeof value === 'bigint') throw new TypeError('canonicalJson: bigint has no JSON representation');
  // strings, finite/non-finite numbers, booleans, null; undefined/functions/symbols -> undefined
  return JSON.stringify(value) as string | undefined;
}

/** Lowercase hex sha256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The three hash columns of one `raw_events` row. */
export interface ChainLink {
  content_sha256: string;
  prev_sha256: string;
  row_sha256: string;
}

/** Links `envelope` after the row whose `row_sha256` is `prevSha` ({@link GENESIS_SHA} for the first). */
export function chainRow(prevSha: string, envelope: unknown): ChainLink {
  const content = sha256Hex(canonicalJson(envelope));
  return { content_sha256: content, prev_sha256: prevSha, row_sha256: sha256Hex(prevSha + content) };
}
