/**
 * The stage runner without the bus: the same {@link StageDefinition}s the actor pipeline runs
 * (their decode, processor, effect and toPublish), wired through in-memory streams instead of
 * JetStream, with nothing persisted. The in-process backtest engine is this runner fed one raw
 * envelope at a time.
 *
 * - Streams are the topology's (adapters/nats/topology.ts): a published subject lands on the
 *   stream whose subjects match it; an id already on that stream is dropped, as JetStream's
 *   duplicate window drops a repeated `Nats-Msg-Id`.
 * - {@link LocalPipeline.pump} runs the stages in the order given, each over everything it has
 *   not read yet (in batches of `batchSize`, like a fetch), and repeats until no stage has
 *   anything left. POLICY: the order given is the data-time order of the live system: the
 *   paper broker takes a bar before the features of that bar are scored, so the fills a bar
 *   makes reach the gateway before the intent decided at that bar's close.
 * - A message a stage's `decode` refuses is counted in `bad` and skipped, as the runner reports
 *   and acks it.
 */
import { TOPOLOGY } from '../../adapters/nats/topology.ts';
import type { GovernedVersion } from '../config/governed.ts';
import type { OutboundMessage } from '../stage/ports.ts';
import type { StageDefinition, StageProcessor } from '../stage/stage.actor.ts';

export interface LocalMessage {
  subject: string;
  id: string;
  value: unknown;
}

interface Stream {
  name: string;
  /** first tokens of its `x.>` subjects */
  prefixes: string[];
  messages: LocalMessage[];
  ids: Set<string>;
}

interface Running {
  def: StageDefinition<unknown, unknown>;
  processor: StageProcessor<unknown, unknown>;
  stream: Stream;
  cursor: number;
}

export interface LocalPipelineOptions {
  batchSize?: number;
  /** the governed config version each stage with `useConfig` gets before every batch, as the runner reads it from KV */
  governed?: GovernedVersion;
  /** sees every stage's outputs after its effect, in the order they were made */
  tap?: (stage: string, outputs: readonly unknown[]) => void;
}

export class LocalPipeline {
  readonly #streams: Stream[];
  readonly #stages: Running[];
  readonly #batchSize: number;
  readonly #tap: LocalPipelineOptions['tap'];
  readonly #governed: GovernedVersion | undefined;
  /** messages refused by a stage's decode, by stage */
  readonly bad: Record<string, number> = {};

  constructor(stages: readonly StageDefinition<never, unknown>[], opts: LocalPipelineOptions = {}) {
    this.#batchSize = opts.batchSize ?? 500;
    this.#tap = opts.tap;
    this.#governed = opts.governed;
    this.#streams = TOPOLOGY.streams.map((s) => ({ name: s.name, prefixes: s.subjects.map((x) => x.replace(/\.>$/, '')), messages: [], ids: new Set() }));
    this.#stages = stages.map((d) => {
      const def = d as unknown as StageDefinition<unknown, unknown>;
      const stream = this.#streams.find((s) => s.name === def.stream);
      if (stream === undefined) throw new Error(`stage ${def.name} reads an unknown stream ${def.stream}`);
      return { def, processor: def.create(undefined), stream, cursor: 0 };
    });
  }

  /** Appends to the stream that carries the subject; false for a duplicate id. */
  publish(m: OutboundMessage | LocalMessage): boolean {
    const first = m.subject.slice(0, m.subject.indexOf('.'));
    const stream = this.#streams.find((s) => s.prefixes.includes(first));
    if (stream === undefined) throw new Error(`no stream carries ${m.subject}`);
    if (stream.ids.has(m.id)) return false;
    stream.ids.add(m.id);
    stream.messages.push({ subject: m.subject, id: m.id, value: m.value });
    return true;
  }

  /** Every stage over everything it has not read, until nothing is left anywhere. */
  async pump(): Promise<void> {
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const st of this.#stages) {
        while (st.cursor < st.stream.messages.length) {
          progressed = true;
          const batch = st.stream.messages.slice(st.cursor, st.cursor + this.#batchSize);
          st.cursor += batch.length;
          await this.#run(st, batch);
        }
      }
    }
  }

  /** What a stream holds (read-only; for results and tests). */
  messages(stream: string): readonly LocalMessage[] {
    return this.#streams.find((s) => s.name === stream)?.messages ?? [];
  }

  async #run(st: Running, batch: readonly LocalMessage[]): Promise<void> {
    if (this.#governed !== undefined) st.def.useConfig?.(this.#governed);
    let outputs: unknown[] = [];
    let seq = st.cursor - batch.length;
    for (const m of batch) {
      seq += 1;
      let input: unknown;
      try {
        input = st.def.decode(m.value, m.subject);
      } catch {
        this.bad[st.def.name] = (this.bad[st.def.name] ?? 0) + 1;
        continue;
      }
      const applied = st.processor.apply(input, seq);
      for (const o of st.def.effect && st.def.effectEach && applied.length > 0 ? await st.def.effect(applied) : applied) outputs.push(o);
    }
    if (st.def.effect && !st.def.effectEach && outputs.length > 0) outputs = await st.def.effect(outputs);
    this.#tap?.(st.def.name, outputs);
    for (const m of st.def.toPublish(outputs)) this.publish(m);
    st.def.afterCommit?.(outputs);
    st.processor.afterCommit?.();
  }
}
