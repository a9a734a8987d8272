import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in time that depends on neither their content nor their lengths.
 *
 * WHY hash first: `timingSafeEqual` throws on buffers of different lengths, and branching on the
 * length would tell an attacker how long the secret is. SHA-256 digests are always 32 bytes, so
 * both sides are compared whole; a digest collision is not a practical way in.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
