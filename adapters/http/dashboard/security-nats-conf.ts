/**
 * The NATS permission matrix, read from the project's nats.conf: who may publish and subscribe
 * what, allow and deny. Pure: text in, matrix out.
 *
 * The parser covers the part of the nats-server config syntax nats.conf uses: `#` and `//`
 * comments, `key: value`, `key = value` and `key value`, blocks `{ … }`, arrays `[ … ]` (commas
 * or newlines between items), double- or single-quoted strings, bare words and numbers, and
 * `$VARIABLE` references (kept as text: a password is never resolved here). Anything else is an
 * error naming the line, so a changed file is refused rather than half read.
 *
 * A permission may be a list (`publish: ["a", "b"]`, all allowed) or `{ allow: […], deny: […] }`,
 * as nats-server accepts both.
 */

export type ConfValue = string | number | boolean | ConfValue[] | { [key: string]: ConfValue };

export class NatsConfSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(`nats.conf line ${line}: ${message}`);
  }
}

interface Token {
  kind: 'punct' | 'string' | 'word';
  text: string;
  line: number;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') { line += 1; i += 1; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === ',' || c === ';') { i += 1; continue; }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i += 1;
      continue;
    }
    if ('{}[]:='.includes(c)) { out.push({ kind: 'punct', text: c, line }); i += 1; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\n') throw new NatsConfSyntaxError('unterminated string', line);
        if (text[j] === '\\' && c === '"' && j + 1 < text.length) { s += text[j + 1]; j += 2; continue; }
        s += text[j];
        j += 1;
      }
      if (j >= text.length) throw new NatsConfSyntaxError('unterminated string', line);
      out.push({ kind: 'string', text: s, line });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !' \t\r\n,;{}[]:="\'#'.includes(text[j]!)) j += 1;
    if (j === i) throw new NatsConfSyntaxError(`unexpected ${JSON.stringify(c)}`, line);
    out.push({ kind: 'word', text: text.slice(i, j), line });
    i = j;
  }
  return out;
}

function scalar(t: Token): ConfValue {
  if (t.kind === 'string') return t.text;
  if (t.text === 'true') return true;
  if (t.text === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(t.text)) return Number(t.text);
  return t.text;
}

/** Parses the config into nested objects (keys as written; a repeated key keeps the last value). */
export function parseNatsConf(text: string): { [key: string]: ConfValue } {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const t = tokens[pos++];
    if (t === undefined) throw new NatsConfSyntaxError('unexpected end of file', tokens[tokens.length - 1]?.line ?? 1);
    return t;
  };

  function value(): ConfValue {
    const t = next();
    if (t.kind === 'punct' && t.text === '{') return members('}');
    if (t.kind === 'punct' && t.text === '[') {
      const items: ConfValue[] = [];
      for (;;) {
        const p = peek();
        if (p === undefined) throw new NatsConfSyntaxError('unterminated array', t.line);
        if (p.kind === 'punct' && p.text === ']') { pos += 1; return items; }
        items.push(value());
      }
    }
    if (t.kind === 'punct') throw new NatsConfSyntaxError(`unexpected ${JSON.stringify(t.text)}`, t.line);
    return scalar(t);
  }

  function members(close: '}' | null): { [key: string]: ConfValue } {
    const obj: { [key: string]: ConfValue } = {};
    for (;;) {
      const t = peek();
      if (t === undefined) {
        if (close === null) return obj;
        throw new NatsConfSyntaxError('unterminated block', tokens[tokens.length - 1]?.line ?? 1);
      }
      if (t.kind === 'punct' && t.text === close) { pos += 1; return obj; }
      if (t.kind === 'punct') throw new NatsConfSyntaxError(`expected a key, got ${JSON.stringify(t.text)}`, t.line);
      pos += 1;
      const sep = peek();
      if (sep?.kind === 'punct' && (sep.text === ':' || sep.text === '=')) pos += 1;
      obj[t.text] = value();
    }
  }

  return members(null);
}

export interface SubjectRights {
  allow: string[];
  deny: string[];
}

export interface UserPermissions {
  user: string;
  publish: SubjectRights;
  subscribe: SubjectRights;
}

const strings = (v: ConfValue | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'object' ? [] : [String(v)];

function rights(v: ConfValue | undefined): SubjectRights {
  if (v !== undefined && typeof v === 'object' && !Array.isArray(v)) return { allow: strings(v['allow']), deny: strings(v['deny']) };
  return { allow: strings(v), deny: [] };
}

/**
 * Every user of the `authorization { users = [...] }` block with its publish and subscribe
 * rights, in file order. A user without `permissions` may do everything (nats-server's rule),
 * shown as allow `>`.
 */
export function permissionMatrix(text: string): UserPermissions[] {
  const conf = parseNatsConf(text);
  const auth = conf['authorization'];
  const users = auth !== undefined && typeof auth === 'object' && !Array.isArray(auth) ? auth['users'] : undefined;
  if (!Array.isArray(users)) return [];
  return users.flatMap((u) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u) || u['user'] === undefined) return [];
    const p = u['permissions'];
    if (p === undefined || typeof p !== 'object' || Array.isArray(p)) {
      return [{ user: String(u['user']), publish: { allow: ['>'], deny: [] }, subscribe: { allow: ['>'], deny: [] } }];
    }
    return [{ user: String(u['user']), publish: rights(p['publish']), subscribe: rights(p['subscribe']) }];
  });
}
