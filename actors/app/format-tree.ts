/**
 * Renders the JSON of GET /actors as an indented tree for `fakeout actors`.
 */
interface Node {
  id: string;
  kind: string;
  status: string;
  state?: unknown;
  strategy?: string;
  restarts: number;
  lastError?: string;
  children?: Node[];
}

export function formatTree(root: unknown, indent = ''): string {
  const n = root as Node;
  const state = n.state === undefined ? '' : ` state=${typeof n.state === 'string' ? n.state : JSON.stringify(n.state)}`;
  const strategy = n.strategy ? ` (${n.strategy})` : '';
  const err = n.lastError ? `  last error: ${n.lastError}` : '';
  const line = `${indent}${n.id}${strategy}  ${n.status}${state}  restarts=${n.restarts}${err}`;
  const kids = (n.children ?? []).map((c) => formatTree(c, indent + '  '));
  return [line, ...kids].join('\n');
}
