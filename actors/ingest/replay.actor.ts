/**
 * replay: reads market-data files (CSV/JSON, zipped or not) and publishes every good row to RAW
 * as a RawEnvelope, reporting each bad row with its line number and reason. A row whose time is
 * outside the file's plausibility window (plausibility.ts) is a bad row too: never published.
 *
 * Progress is durable: after each batch is acknowledged by JetStream, `ingest_progress` records
 * the last line published for that file (keyed by its replay key: the sha256 of its bytes, or of
 * the bytes with the symbol and format when those are given and differ from what fakeout reads by
 * itself). A restarted replay, or a second `fakeout start`, resumes after that line and skips
 * files already done. A crash between the publish and the progress write republishes the same
 * envelope ids (`replay:<replay key>:<line>`), which JetStream's duplicate window drops.
 */
import { createActor, fromCallback, fromPromise } from 'xstate';
import { stageMachine, type StageEvent } from '../../machines/stage.machine.ts';
import { getIngestProgress, saveIngestProgress } from '../../adapters/db/index.ts';
import type { Clock } from '../../adapters/time/index.ts';
import { errorText, FakeoutError, isFakeoutError } from '../domain/errors.ts';
import type { RawEnvelope } from '../domain/messages.ts';
import type { AnyDb, Bus, Logger } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';
import { rawSubject } from './envelope.ts';
import { replayRows } from './replay-rows.ts';
import { readReplayFile, type FormatName } from './formats/index.ts';
import type { TimeLimits } from './plausibility.ts';

export interface ReplayRequest {
  path: string;
  format?: FormatName;
  symbol?: string;
  /** event times kept, `from ≤ ts < to` (a backtest's window); rows outside are left out, not bad */
  from?: number;
  to?: number;
}

export interface ReplayProgress {
  file: string;
  linesDone: number;
  published: number;
  duplicates: number;
  badRows: number;
  done: boolean;
  /** set when the file could not be read at all (it was skipped) */
  error?: string;
  /** set when this file, under this symbol and format, was replayed to the end before (skipped) */
  alreadyReplayed?: boolean;
}

export interface ReplayDeps {
  bus: Bus;
  db: AnyDb;
  clock: Clock;
  log: Logger;
  files: readonly ReplayRequest[];
  zone: string;
  /** the event-time window (timeLimitsFromConfig) */
  timeLimits: TimeLimits;
  batchSize?: number;
  countIngested(outcome: 'accepted' | 'duplicate' | 'bad_row' | 'rejected', n: number): void;
  onProgress?(p: ReplayProgress): void;
}

/** How many bad rows of one file are logged one by one before only the count goes on. */
const BAD_ROWS_LOGGED = 20;

export function startReplayActor(deps: ReplayDeps): StageActor {
  const log = deps.log.child({ actor: 'replay' });
  const batchSize = deps.batchSize ?? 1000;
  let loop: Promise<void> = Promise.resolve();

  const work = fromCallback<StageEvent>(({ sendBack, receive }) => {
    let stopping = false;
    let fault: string | undefined;
    receive((e) => {
      if (e.type === 'FAULT') fault = e.reason ?? 'injected';
    });
    const check = () => {
      if (fault !== undefined) throw new FakeoutError('FAKEOUT_ERR_STAGE_FAULT', `fault injected into replay: ${fault}`);
    };

    const replayOne = async (req: ReplayRequest): Promise<boolean> => {
      let file: Awaited<ReturnType<typeof readReplayFile>>;
      try {
        file = await readReplayFile(req.path, { format: req.format, symbol: req.symbol, zone: deps.zone });
      } catch (err) {
        // POLICY: a file that cannot be read is that file's failure, not the replay's: report it
        // and go on with the next (restarting would only fail on it again, forever).
        if (!isFakeoutError(err)) throw err;
        deps.countIngested('rejected', 1);
        log.error({ file: req.path, code: err.code, reason: err.message }, 'replay file skipped');
        deps.onProgress?.({ file: req.path, linesDone: 0, published: 0, duplicates: 0, badRows: 0, done: true, error: `${err.code}: ${err.message}` });
        return true;
      }
      // Keyed by the replay key: the same bytes under another symbol or format are another replay.
      const prev = await getIngestProgress(deps.db, file.replayKey);
      if (prev?.done) {
        log.info({ file: file.fileName, symbol: file.symbol, format: file.format, lines: prev.linesDone }, 'already replayed; skipped');
        deps.onProgress?.({
          file: file.fileName,
          linesDone: prev.linesDone,
          published: prev.published,
          duplicates: 0,
          badRows: prev.badRows,
          done: true,
          alreadyReplayed: true,
        });
        return true;
      }
      const p: ReplayProgress = {
        file: file.fileName,
        linesDone: prev?.linesDone ?? 0,
        published: prev?.published ?? 0,
        duplicates: 0,
        badRows: prev?.badRows ?? 0,
        done: false,
      };
      const startAfter = p.linesDone;
      log.info({ file: file.fileName, format: file.format, symbol: file.symbol, resumeAfterLine: startAfter }, 'replay started');
      // The window sees every row from line 1, also those published before a restart, so that
      // its reference is the one an uninterrupted run would have had at each line (replay-rows.ts).
      let batch: RawEnvelope[] = [];
      let lastLine = startAfter;
      let badInBatch = 0;
      const flush = async () => {
        if (batch.length > 0) {
          const acks = await deps.bus.publishMany(batch.map((e) => ({ subject: rawSubject(e), id: e.id, value: e })));
          const dup = acks.filter((a) => a.duplicate).length;
          p.published += acks.length - dup;
          p.duplicates += dup;
          deps.countIngested('accepted', acks.length - dup);
          if (dup > 0) deps.countIngested('duplicate', dup);
        }
        check();
        p.linesDone = lastLine;
        await saveIngestProgress(deps.db, {
          fileKey: file.replayKey,
          fileName: file.fileName,
          linesDone: p.linesDone,
          published: p.published,
          badRows: p.badRows,
          done: p.done,
        });
        sendBack({ type: 'BATCH', processed: batch.length, skipped: 0, bad: badInBatch });
        deps.onProgress?.({ ...p });
        batch = [];
        badInBatch = 0;
      };
      for (const row of replayRows(file, deps.timeLimits, deps.clock, req)) {
        if (row.line <= startAfter) continue;
        if (stopping) break;
        lastLine = row.line;
        if ('error' in row) {
          p.badRows++;
          badInBatch++;
          deps.countIngested('bad_row', 1);
          if (p.badRows <= BAD_ROWS_LOGGED) log.warn({ file: file.fileName, line: row.line, reason: row.error.message }, 'bad row skipped');
          continue;
        }
        batch.push(row.envelope);
        if (batch.length >= batchSize) await flush();
      }
      if (stopping) {
        await flush();
        return false;
      }
      p.done = true;
      await flush();
      log.info({ file: file.fileName, published: p.published, duplicates: p.duplicates, badRows: p.badRows }, 'replay finished');
      return true;
    };

    loop = (async () => {
      try {
        for (const req of deps.files) {
          check();
          if (!(await replayOne(req))) return;
        }
        sendBack({ type: 'WORK_DONE' });
      } catch (err) {
        const reason = errorText(err);
        log.error({ reason }, 'replay crashed');
        sendBack({ type: 'WORK_ERROR', error: reason });
      }
    })();
    return () => {
      stopping = true;
    };
  });

  const machine = stageMachine.provide({
    actors: { work, drain: fromPromise<void>(() => loop), prepare: fromPromise<void>(async () => undefined) },
  });
  return createActor(machine, { input: { stage: 'replay' } }).start();
}
