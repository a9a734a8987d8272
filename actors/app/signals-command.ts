/**
 * `fakeout signals [--symbol S] [--since T] [--limit N] [--follow] [--url URL]`: prints the
 * signals of a running fakeout, oldest first, one aligned line each (from `GET /api/signals`);
 * with `--follow`, keeps printing new ones from `GET /api/signals/stream` until Ctrl-C.
 */
import { ERROR_CODES, FakeoutError, type ErrorCode } from '../domain/errors.ts';
import type { Signal } from '../domain/messages.ts';
import { SignalColumns } from './format-signals.ts';

export interface SignalsCommand {
  url: string;
  symbol?: string;
  since?: string;
  limit?: string;
  follow: boolean;
}

export interface SignalsOutput {
  write(text: string): void;
}

/** One server-sent event as parsed by {@link SseParser}. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Splits a text/event-stream into events (the WHATWG rules fakeout's server needs: no multi-line tricks beyond `data:` joins). */
export class SseParser {
  private buffer = '';

  /** Feeds a chunk; returns the events it completed. Comment lines (`: heartbeat`) are dropped. */
  feed(chunk: string): SseEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const out: SseEvent[] = [];
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const ev: SseEvent = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') ev.event = value;
        else if (field === 'id') ev.id = value;
      }
      if (data.length === 0) continue;
      ev.data = data.join('\n');
      out.push(ev);
    }
    return out;
  }
}

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

function unreachable(url: string, err: unknown): FakeoutError {
  const cause = (err as { cause?: unknown }).cause;
  const why = cause instanceof Error ? cause.message : (err as Error).message;
  return new FakeoutError('FAKEOUT_ERR_CLI_UNREACHABLE', `no fakeout running at ${url} (${why}); start one, or give --url`, {
    cause: err,
    details: { field: '--url' },
  });
}

/** A non-2xx answer in fakeout's error shape becomes that FakeoutError (it names the field). */
async function answerError(res: Response, what: string): Promise<FakeoutError> {
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; field?: string } } | undefined;
  const code = body?.error?.code;
  if (code !== undefined && Object.hasOwn(ERROR_CODES, code)) {
    const field = body?.error?.field;
    return new FakeoutError(code as ErrorCode, body?.error?.message ?? what, field === undefined ? {} : { details: { field } });
  }
  return new FakeoutError('FAKEOUT_ERR_CLI_UNREACHABLE', `${what} answered ${res.status}: is that a fakeout?`);
}

async function fetchSignals(cmd: SignalsCommand): Promise<Signal[]> {
  const q = new URLSearchParams();
  if (cmd.symbol !== undefined) q.set('symbol', cmd.symbol);
  if (cmd.since !== undefined) q.set('since', cmd.since);
  if (cmd.limit !== undefined) q.set('limit', cmd.limit);
  const url = `${base(cmd.url)}/api/signals${q.size > 0 ? `?${q}` : ''}`;
  const res = await fetch(url).catch((err: unknown) => {
    throw unreachable(cmd.url, err);
  });
  if (!res.ok) throw await answerError(res, `GET ${url}`);
  const body = (await res.json()) as { signals: Signal[] };
  return body.signals;
}

/**
 * Runs the command. Resolves when the listing is printed (without --follow), or when `stop`
 * aborts the follow (Ctrl-C); rejects if the server cannot be reached or the stream ends.
 */
export async function runSignalsCommand(cmd: SignalsCommand, out: SignalsOutput, stop?: AbortSignal): Promise<void> {
  if (!cmd.follow) {
    const signals = (await fetchSignals(cmd)).reverse();
    const cols = new SignalColumns(signals);
    if (signals.length === 0) out.write('(no signals)\n');
    else out.write([cols.header(), ...signals.map((s) => cols.line(s))].join('\n') + '\n');
    return;
  }
  // The stream is opened BEFORE the listing is read, so nothing published in between is missed;
  // what both deliver is printed once (by signal id).
  const streamUrl = `${base(cmd.url)}/api/signals/stream${cmd.symbol === undefined ? '' : `?symbol=${encodeURIComponent(cmd.symbol)}`}`;
  const res = await fetch(streamUrl, { headers: { accept: 'text/event-stream' }, ...(stop ? { signal: stop } : {}) }).catch((err: unknown) => {
    throw unreachable(cmd.url, err);
  });
  if (!res.ok || res.body === null) throw await answerError(res, `GET ${streamUrl}`);
  const listed = (await fetchSignals(cmd)).reverse();
  const cols = new SignalColumns(listed);
  const seen = new Set(listed.map((s) => s.id));
  out.write([cols.header(), ...listed.map((s) => cols.line(s))].join('\n') + '\n');
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      for (const ev of parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }))) {
        if (ev.event !== 'signal') continue;
        const s = JSON.parse(ev.data) as Signal;
        if (seen.has(s.id)) continue;
        seen.add(s.id);
        out.write(cols.line(s) + '\n');
      }
    }
  } catch (err) {
    if (stop?.aborted) return;
    throw new FakeoutError('FAKEOUT_ERR_CLI_UNREACHABLE', `the signal stream from ${cmd.url} broke off: ${(err as Error).message}`, { cause: err });
  }
  if (stop?.aborted) return;
  throw new FakeoutError('FAKEOUT_ERR_CLI_UNREACHABLE', `the fakeout at ${cmd.url} closed the signal stream (stopped?)`);
}
