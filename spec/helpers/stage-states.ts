/**
 * Test helper: every state each worker of a running app's supervision tree passed through, read
 * from the tree (what GET /actors serves) every few ms, and the supervision events of its stages.
 */
import type { SupervisionEvent, SupervisionNode } from '../../supervision/index.ts';

export const PIPELINE_STAGES = ['raw-archiver', 'bar-builder', 'feature-engine', 'scoring-engine', 'liquidity-monitor'] as const;

export interface StateRecorder {
  /** the states worker `id` was seen in, in order of first sight */
  seen(id: string): string[];
  stop(): void;
}

/** Polls `tree()` every `everyMs` until stop(). */
export function recordStates(tree: () => SupervisionNode, everyMs = 10): StateRecorder {
  const seen = new Map<string, string[]>();
  const visit = (n: SupervisionNode) => {
    if (n.kind === 'worker' && typeof n.state === 'string') {
      const list = seen.get(n.id) ?? [];
      if (list[list.length - 1] !== n.state) list.push(n.state); // each change, in order: where it ended shows
      seen.set(n.id, list);
    }
    n.children?.forEach(visit);
  };
  const timer = setInterval(() => visit(tree()), everyMs);
  return {
    seen: (id) => seen.get(id) ?? [],
    stop: () => clearInterval(timer),
  };
}

/** The crashes and restarts among `events` of the workers `ids` (a path ends with the id). */
export function crashesOf(events: readonly SupervisionEvent[], ids: readonly string[]): SupervisionEvent[] {
  return events.filter((e) => (e.type === 'crashed' || e.type === 'restarted') && ids.some((id) => e.path.endsWith(`/${id}`)));
}

/** The worker node `id` as GET /actors at `url` serves it (undefined when not listening). */
export async function actorNode(url: string, id: string): Promise<SupervisionNode | undefined> {
  const find = (n: SupervisionNode): SupervisionNode | undefined => (n.id === id ? n : n.children?.map(find).find((x) => x !== undefined));
  try {
    const body = (await (await fetch(`${url}/actors`)).json()) as SupervisionNode | { tree: SupervisionNode };
    return find('tree' in body ? body.tree : body);
  } catch {
    return undefined;
  }
}
