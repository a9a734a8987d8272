/**
 * The pure decisions behind a restart: whether a child's exit calls for one, and which of the
 * siblings go down and come back with it.
 */
import type { RestartType, Strategy } from './child-spec.ts';

/** How a child's incarnation ended. */
export type ChildExit = { kind: 'crash'; reason: string } | { kind: 'normal'; reason?: string };

/** OTP: permanent always restarts, transient only after a crash, temporary never. */
export function shouldRestart(restart: RestartType, exit: ChildExit): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'transient') return exit.kind === 'crash';
  return false;
}

/** The minimum a strategy needs to know about a sibling. */
export interface RestartCandidate {
  restart: RestartType;
  /** true once the child has ended for good (not restarting, not pending a decision) */
  done: boolean;
}

/**
 * Which children a restart of `children[index]` touches, split into those that come back
 * (`restart`, in start order) and those that are only stopped (`stopOnly`: temporary siblings,
 * which OTP never restarts). Children already done for good are left alone.
 */
export function restartGroup(
  strategy: Strategy,
  children: readonly RestartCandidate[],
  index: number,
): { restart: number[]; stopOnly: number[] } {
  const restart: number[] = [];
  const stopOnly: number[] = [];
  children.forEach((child, i) => {
    const inScope =
      i === index || (strategy === 'one_for_all' ? true : strategy === 'rest_for_one' ? i > index : false);
    if (!inScope) return;
    if (i === index) restart.push(i);
    else if (child.done) return;
    else if (child.restart === 'temporary') stopOnly.push(i);
    else restart.push(i);
  });
  return { restart, stopOnly };
}
