/**
 * Reading nats-server's own words out of its log. Pure: the caller reads the file (only the part
 * the failed start wrote; server.log is appended across starts) and passes the text.
 */

/** Lines kept when a failed start's log goes into an error message. */
export const LOG_TAIL_LINES = 20;

/**
 * Why the server said it stopped: its last fatal or error line (`[pid] date time [FTL] …`), or,
 * for a configuration it could not parse (printed before its logger exists, with no prefix,
 * e.g. `nats-server: variable reference for 'X' on line 3 can not be found`), the last line
 * without a log prefix. Undefined when it said nothing of the kind.
 */
export function serverFailureReason(log: string): string | undefined {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /\[(?:FTL|ERR)\]\s+(.*)$/.exec(lines[i]!);
    if (m) return m[1]!;
  }
  const unprefixed = lines.filter((l) => !/^\[\d+\]\s/.test(l));
  return unprefixed.at(-1);
}

/** The last `n` non-empty lines. */
export function tailLines(log: string, n = LOG_TAIL_LINES): string {
  return log
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}
