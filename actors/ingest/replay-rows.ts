/**
 * The rows of a replay file as RAW envelopes, judged by the event-time window exactly as the
 * replay publishes them: one clock stamp per row (the window is judged at the instant the envelope
 * records), the window fed every row from line 1, an implausible time turned into a bad row.
 * Shared by the replay actor (which publishes them) and the in-process backtest (which feeds
 * them to the same stages without the bus), so both see the same envelopes.
 */
import { stampOf, type Clock } from '../../adapters/time/index.ts';
import type { RawEnvelope } from '../domain/messages.ts';
import { replayEnvelope } from './envelope.ts';
import { badRow } from './formats/row-checks.ts';
import type { ParsedRow, ReplayFile } from './formats/replay-file.ts';
import { replayAnchor, ReplayTimeWindow, type TimeLimits } from './plausibility.ts';

export type ReplayRow = { line: number; envelope: RawEnvelope } | Extract<ParsedRow, { error: unknown }>;

/** Event times kept (a backtest's `--from` / `--to`): `from ≤ ts < to`; rows outside are left out, not bad. */
export interface RowWindow {
  from?: number;
  to?: number;
}

export function* replayRows(file: Pick<ReplayFile, 'rows' | 'replayKey' | 'fileName'>, limits: TimeLimits, clock: Clock, keep: RowWindow = {}): Generator<ReplayRow> {
  const from = keep.from ?? -Infinity;
  const to = keep.to ?? Infinity;
  const anchorTimes = function* () {
    for (const r of file.rows()) if (!('error' in r)) yield r.event.ts;
  };
  const window = new ReplayTimeWindow(limits, replayAnchor(anchorTimes(), limits));
  for (const parsed of file.rows()) {
    const stamp = stampOf(clock);
    const problem = 'error' in parsed ? undefined : window.check(parsed.event, stamp.correctedAt);
    if (!('error' in parsed) && (parsed.event.ts < from || parsed.event.ts >= to)) continue;
    const row = problem ? badRow(parsed.line, problem.reason, problem.field) : parsed;
    if ('error' in row) yield row;
    else yield { line: row.line, envelope: replayEnvelope(file.replayKey, file.fileName, row.line, row.event, stamp) };
  }
}
