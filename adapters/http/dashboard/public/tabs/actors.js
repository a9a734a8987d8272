// The Actors tab: the live supervision tree (each actor's machine state, status, uptime of its
// current incarnation, restarts, recent transitions), kept current by the transition stream
// (GET /ui/api/actors/stream), and for admins an "inject fault" button per running actor (asks
// for confirmation; the server audits it before the supervisor crashes the actor).
// Plain DOM and a same-origin stylesheet: nothing from outside fakeout, nothing inline (CSP 'self').

const KEEP_TRANSITIONS = 20;
const KEEP_RECENT = 50;
/** several transitions arrive together (a crash is state, crashed, state, started, restarted): one refetch for them */
const REFRESH_AFTER_MS = 250;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function ensureStylesheet() {
  if (document.getElementById('actors-css')) return;
  document.head.append(h('link', { id: 'actors-css', rel: 'stylesheet', href: '/ui/tabs/actors.css' }));
}

/** A machine state value as text: `running`, or `{"running":"idle"}` → `running.idle`. */
export function stateText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    return Object.entries(value).map(([k, v]) => {
      const inner = stateText(v);
      return inner === '' ? k : `${k}.${inner}`;
    }).join(', ');
  }
  return String(value);
}

/** 3725000 → `1 h 2 min`, 42000 → `42 s`. */
export function durationText(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs} h ${m % 60} min`;
  return `${Math.floor(hrs / 24)} d ${hrs % 24} h`;
}

const clock = (ms) => new Date(ms).toISOString().slice(11, 23);

function transitionText(t) {
  if (t.kind === 'state') return `${t.from === undefined ? '' : `${stateText(t.from)} → `}${stateText(t.state)}`;
  const parts = [t.kind];
  if (t.restarts !== undefined) parts.push(`#${t.restarts}`);
  if (t.delayMs !== undefined) parts.push(`after ${t.delayMs} ms`);
  const text = parts.join(' ');
  return t.reason ? `${text}: ${t.reason}` : text;
}

function walk(node, out = []) {
  out.push(node);
  for (const c of node.children ?? []) walk(c, out);
  return out;
}

export async function mount(el, ctx) {
  ensureStylesheet();
  const canFault = typeof ctx.can === 'function' ? ctx.can('actors.fault') : ctx.user?.role === 'admin';
  const status = h('span', { id: 'actors-stream-status', class: 'muted' }, 'connecting…');
  const message = h('p', { id: 'actors-message', role: 'status' });
  const treeEl = h('div', { id: 'actors-tree', class: 'actors-tree' }, 'loading…');
  const recentBody = h('tbody', { id: 'actors-recent' });
  el.append(
    h('section', { class: 'panel' },
      h('h2', {}, 'Supervision tree ', status),
      h('p', { class: 'muted' }, 'Workers are XState actors under OTP-style supervisors; uptime counts from the current incarnation.'),
      message,
      treeEl),
    h('section', { class: 'panel' },
      h('h2', {}, 'Recent transitions'),
      h('table', {}, h('thead', {}, h('tr', {}, ...['time (UTC)', 'actor', 'transition'].map((t) => h('th', {}, t)))), recentBody)),
  );

  let tree = null;
  let fetchedAt = 0;
  let refreshTimer = null;
  let closed = false;
  const open = new Set(); // paths whose transition list is expanded
  const uptimeCells = new Map(); // path → [cell, uptimeMs at fetch]

  function renderNode(node, depth) {
    const row = h('div', { class: `actor-row ${node.kind} depth-${Math.min(depth, 6)}`, 'data-path': node.path },
      h('span', { class: 'actor-id' }, node.id),
      h('span', { class: `badge status-${node.status}` }, node.status),
      node.kind === 'worker' ? h('span', { class: 'actor-state', title: 'machine state' }, stateText(node.state) || '–') : h('span', { class: 'muted' }, node.strategy ?? ''),
      h('span', { class: 'actor-uptime', title: 'uptime of the current incarnation' }, durationText(node.uptimeMs)),
      h('span', { class: 'actor-restarts', title: 'restarts' }, `${node.restarts} restart${node.restarts === 1 ? '' : 's'}`),
    );
    uptimeCells.set(node.path, [row.querySelector('.actor-uptime'), node.uptimeMs]);
    if (canFault && node.kind === 'worker' && node.status === 'running') {
      row.append(h('button', { class: 'fault', type: 'button', 'data-path': node.path, onclick: () => injectFault(node) }, 'inject fault'));
    }
    const box = h('div', { class: 'actor' }, row);
    if (node.lastError) box.append(h('div', { class: 'actor-error error' }, `last crash: ${node.lastError}`));
    if ((node.transitions ?? []).length > 0) {
      const details = h('details', { class: 'actor-transitions', open: open.has(node.path) },
        h('summary', {}, `${node.transitions.length} recent transition${node.transitions.length === 1 ? '' : 's'}`),
        h('ol', {}, ...node.transitions.slice().reverse().map((t) => h('li', {}, h('span', { class: 'muted' }, clock(t.at)), ' ', transitionText(t)))));
      details.addEventListener('toggle', () => (details.open ? open.add(node.path) : open.delete(node.path)));
      box.append(details);
    }
    for (const c of node.children ?? []) box.append(renderNode(c, depth + 1));
    return box;
  }

  function render() {
    uptimeCells.clear();
    treeEl.replaceChildren(tree ? renderNode(tree, 0) : 'no tree');
    el.dataset.ready = 'true';
  }

  async function refresh() {
    refreshTimer = null;
    try {
      tree = await ctx.api('/actors');
      fetchedAt = performance.now();
      if (!closed) render();
    } catch (e) {
      message.className = 'error';
      message.textContent = `could not read the tree: ${e.message}`;
    }
  }

  function scheduleRefresh() {
    if (refreshTimer === null && !closed) refreshTimer = setTimeout(refresh, REFRESH_AFTER_MS);
  }

  async function injectFault(node) {
    if (!window.confirm(`Crash ${node.path} now? Its supervisor will restart it; this is written to the audit log.`)) return;
    message.className = 'muted';
    message.textContent = `injecting a fault into ${node.path}…`;
    try {
      const r = await ctx.api(`/actors/${encodeURIComponent(node.path)}/fault`, { method: 'POST' });
      message.className = 'ok';
      message.textContent = `fault injected into ${r.path} at ${clock(r.at)} UTC (audited); watch it restart below`;
    } catch (e) {
      message.className = 'error';
      message.textContent = `${e.code ?? 'error'}: ${e.message}`;
    }
  }

  let lastSeq = 0; // the newest transition shown: the stream and the first read may overlap
  const recentRow = (t, cls) => h('tr', { class: cls, 'data-seq': t.seq }, h('td', {}, clock(t.at)), h('td', {}, t.path), h('td', {}, transitionText(t)));

  /** The table starts with what the tree already knows (the newest first), not empty until something moves. */
  function prefillRecent() {
    const all = tree ? walk(tree).flatMap((n) => n.transitions ?? []) : [];
    all.sort((a, b) => b.seq - a.seq);
    recentBody.replaceChildren(...all.slice(0, KEEP_RECENT).map((t) => recentRow(t, '')));
    lastSeq = all[0]?.seq ?? 0;
  }

  function onTransition(t) {
    if (t.seq <= lastSeq) return;
    lastSeq = t.seq;
    recentBody.prepend(recentRow(t, 'new'));
    while (recentBody.children.length > KEEP_RECENT) recentBody.lastChild.remove();
    const node = tree ? walk(tree).find((n) => n.path === t.path) : undefined;
    if (node) {
      node.transitions = [...(node.transitions ?? []), t].slice(-KEEP_TRANSITIONS);
      if (t.kind === 'state') node.state = t.state;
    }
    scheduleRefresh(); // status, restarts and uptime come from the server, not guessed here
  }

  await refresh();
  prefillRecent();
  const closeStream = ctx.sse('/actors/stream', (e) => {
    status.textContent = 'live';
    status.className = 'ok';
    if (e.data && typeof e.data === 'object' && typeof e.data.seq === 'number') onTransition(e.data);
  });
  status.textContent = 'live';
  const ticker = setInterval(() => {
    const elapsed = performance.now() - fetchedAt;
    for (const [cell, up] of uptimeCells.values()) if (up !== null && up !== undefined) cell.textContent = durationText(up + elapsed);
  }, 1000);

  return () => {
    closed = true;
    closeStream();
    clearInterval(ticker);
    if (refreshTimer !== null) clearTimeout(refreshTimer);
  };
}
