// The dashboard shell: login, the tab bar, and the ctx every tab module gets (docs/operations.md,
// "Dashboard"; the contract is in adapters/http/dashboard/index.ts). Plain ES module, no build.
const TABS = [
  { id: 'live', label: 'Live' },
  { id: 'config', label: 'Config' },
  { id: 'analytics', label: 'Analytics' },
  { id: 'monitor', label: 'System monitor' },
  { id: 'security', label: 'Security & risk' },
  { id: 'actors', label: 'Actors' },
];

const $ = (id) => document.getElementById(id);
let csrf = '';
let me = null;
let available = new Set();
let unmount = null;

/** The dashboard API: JSON in and out, the CSRF header on every call; throws Error with .code/.status/.field. */
async function api(path, { method = 'GET', body } = {}, retried = false) {
  const res = await fetch(`/ui/api${path}`, {
    method,
    credentials: 'same-origin',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), 'x-csrf-token': csrf },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const e = data && data.error ? data.error : { code: 'FAKEOUT_ERR_HTTP_INTERNAL', message: `HTTP ${res.status}` };
    const err = new Error(e.message);
    err.code = e.code;
    err.status = res.status;
    err.field = e.field;
    // The token is bound to this session and this server process: after a restart (or a login in
    // another tab) fetch the current one and try once more; the refused call changed nothing.
    if (e.code === 'FAKEOUT_ERR_DASHBOARD_CSRF' && method !== 'GET' && !retried && path !== '/csrf') {
      csrf = (await api('/csrf', {}, true)).token;
      return api(path, { method, body }, true);
    }
    // only a missing or ended session sends the user back to the login form (a wrong TOTP code is also a 401)
    if (e.code === 'FAKEOUT_ERR_DASHBOARD_UNAUTHENTICATED') showLogin(e.message);
    throw err;
  }
  return data;
}

/**
 * Server-sent events from /ui/api<path>: onEvent({ type, id, data }) with `data` parsed as JSON
 * when it is; returns close(). Unnamed events arrive as type 'message'; named ones only for the
 * names in `events` (EventSource cannot listen to "every name").
 */
const DEFAULT_EVENTS = ['message', 'signal', 'transition', 'actor', 'update'];
function sse(path, onEvent, { events = DEFAULT_EVENTS } = {}) {
  const es = new EventSource(`/ui/api${path}`, { withCredentials: true });
  for (const type of new Set(['message', ...events])) {
    es.addEventListener(type, (e) => {
      let data = e.data;
      try { data = JSON.parse(e.data); } catch { /* not JSON: passed as text */ }
      onEvent({ type, id: e.lastEventId, data });
    });
  }
  return () => es.close();
}

function showLogin(message = '') {
  if (unmount) { try { unmount(); } catch { /* the tab is going anyway */ } unmount = null; }
  me = null;
  $('tab').hidden = true;
  $('tabs').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  $('login-error').textContent = message;
  api('/csrf').then((r) => { csrf = r.token; }).catch(() => undefined);
}

async function showApp(user) {
  me = user;
  csrf = user.csrfToken;
  $('login').hidden = true;
  $('who').textContent = `${user.user} (${user.role})`;
  $('logout').hidden = false;
  const { tabs } = await api('/tabs');
  available = new Set(tabs.filter((t) => t.available).map((t) => t.id));
  const nav = $('tabs');
  nav.textContent = '';
  for (const t of TABS) {
    const a = document.createElement('a');
    a.href = `#${t.id}`;
    a.textContent = t.label;
    a.dataset.tab = t.id;
    nav.append(a);
  }
  nav.hidden = false;
  $('tab').hidden = false;
  await route();
}

async function route() {
  if (me === null) return;
  const id = TABS.some((t) => `#${t.id}` === location.hash) ? location.hash.slice(1) : 'live';
  for (const a of $('tabs').querySelectorAll('a')) a.classList.toggle('active', a.dataset.tab === id);
  if (unmount) { try { unmount(); } catch (e) { console.warn('unmount failed', e); } unmount = null; }
  const el = $('tab');
  el.textContent = '';
  el.dataset.tab = id;
  el.dataset.ready = 'false';
  if (!available.has(id)) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = `The ${TABS.find((t) => t.id === id).label} tab is not available in this build.`;
    el.append(p);
    el.dataset.ready = 'true';
    return;
  }
  const ctx = {
    user: { user: me.user, role: me.role },
    permissions: me.permissions,
    can: (action) => me.permissions.includes(action),
    api,
    sse,
  };
  try {
    const mod = await import(`./tabs/${id}.js`);
    const out = await mod.mount(el, ctx);
    unmount = typeof out === 'function' ? out : null;
  } catch (e) {
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = `The tab could not be shown: ${e.message}`;
    el.append(p);
  }
  el.dataset.ready = 'true';
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  $('login-error').textContent = '';
  try {
    if (csrf === '') csrf = (await api('/csrf')).token;
    const user = await api('/login', { method: 'POST', body: { user: form.get('user'), password: form.get('password') } });
    ev.target.reset();
    await showApp(user);
  } catch (e) {
    $('login-error').textContent = e.message;
  }
});

$('logout').addEventListener('click', async () => {
  await api('/logout', { method: 'POST' }).catch(() => undefined);
  showLogin('Logged out.');
});

window.addEventListener('hashchange', () => void route());

// Start: an open session goes straight to the tabs; otherwise the login form.
api('/csrf')
  .then((r) => (r.session === null ? showLogin() : showApp({ ...r.session, csrfToken: r.token })))
  .catch(() => showLogin('The server cannot be reached.'));
