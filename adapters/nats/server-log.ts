/**
 * Reading nats-server's own words out of its log. Pure: the caller reads the file (only the part
 * the failed start wrote; server.log is appended across starts) and passes the text.
 */

/** Lines kept when a failed start's log goes into an error message. */
export const LOG_TAIL_LINES = 20;

/**
 * Why the server said it stopped: its last fatal line (`[pid] date time [FTL] …`), else its last
 * error line, else, for a configuration it could not parse (printed before its logger exists,
 * with no prefix, e.g. `nats-server: variable reference for 'X' on line 3 can not be found`),
 * the last line without a log prefix. A server that was told to stop (a signal) says only
 * "Initiating Shutdown" and, on the way out, complains about its ports file: neither of those
 * is a reason, so that case is named as such. Undefined when it said nothing of the kind.
 */
export function serverFailureReason(log: string): string | undefined {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const last = (level: 'FTL' | 'ERR') => {
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = new RegExp(`\\[${level}\\]\\s+(.*)$`).exec(lines[i]!);
      if (m && !SHUTDOWN_NOISE.test(m[1]!)) return m[1]!;
    }
    return undefined;
  };
  const unprefixed = lines.filter((l) => !/^\[\d+\]\s/.test(l)).at(-1);
  const shutdown = lines.some((l) => /\[INF\] Initiating Shutdown/.test(l));
  return last('FTL') ?? last('ERR') ?? unprefixed ?? (shutdown ? 'it was told to shut down (a signal), see the log lines below' : undefined);
}

/** What nats-server 2.9 logs at [ERR] while shutting down normally. */
const SHUTDOWN_NOISE = /^Error cleaning up ports file/;

/** The last `n` non-empty lines. */
export function tailLines(log: string, n = LOG_TAIL_LINES): string {
  return log
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}
