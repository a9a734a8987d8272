/**
 * Structured JSON logs (pino, the logger fastify uses), one line per event, with the actor id
 * bound on every line by `log.child({ actor })`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { app: 'fakeout' }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? process.stdout);
}
