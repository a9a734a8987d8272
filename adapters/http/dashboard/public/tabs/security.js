// Security & risk tab: the NATS permission matrix from nats.conf, the integrity auditor's last
// result, the audit chain's verification, recent audit entries (paged) and the vault access log.
// Audit reads need the audit.read role (approver, admin); others see a notice there.
import { h, notice, section, table, time } from './charts.js';

export async function mount(el, ctx) {
  const nats = h('div');
  const integrity = h('div');
  const chain = h('div');
  const audit = h('div');
  const vault = h('div');
  el.replaceChildren(
    section('NATS permissions (nats.conf)', nats),
    section('Integrity auditor', integrity),
    section('Audit chain', chain),
    section('Recent audit entries', audit),
    section('Vault access log', vault),
  );
  const list = (items) => (items.length === 0 ? '—' : items.join(' '));

  async function loadNats() {
    try {
      const m = await ctx.api('/security/nats');
      nats.replaceChildren(h('p', {}, m.file), table([
        ['user', (u) => u.user], ['publish allow', (u) => list(u.publish.allow)], ['publish deny', (u) => list(u.publish.deny)],
        ['subscribe allow', (u) => list(u.subscribe.allow)], ['subscribe deny', (u) => list(u.subscribe.deny)],
      ], m.users));
    } catch (err) { nats.replaceChildren(notice(err)); }
  }

  async function loadIntegrity() {
    try {
      const m = await ctx.api('/security/integrity');
      integrity.replaceChildren(...[
        m.last === null ? h('p', {}, 'the auditor has not run yet') : h('p', { class: m.last.ok ? 'ok' : 'bad' }, `${m.last.ok ? 'verified' : 'FAILED'} at ${time(m.last.at)}: ${JSON.stringify(m.last.details).slice(0, 300)}`),
        m.progress === null ? null : h('p', {}, `raw_events verified through seq ${m.progress.lastSeq} (${time(m.progress.verifiedAt)})`),
      ].filter((el) => el !== null)); // replaceChildren(null) would show the text "null"
    } catch (err) { integrity.replaceChildren(notice(err)); }
  }

  async function loadChain() {
    try {
      const r = await ctx.api('/security/audit/verify');
      chain.replaceChildren(h('p', { class: r.ok ? 'ok' : 'bad' }, r.ok ? `intact: ${r.rows} entries verified` : `BROKEN at seq ${r.firstBadSeq}: ${r.reason}`));
    } catch (err) { chain.replaceChildren(notice(err)); }
  }

  const columns = [['seq', (e) => e.seq], ['at', (e) => time(e.at)], ['actor', (e) => e.actor], ['action', (e) => e.action], ['subject', (e) => e.subject ?? '—'], ['details', (e) => JSON.stringify(e.details).slice(0, 160)]];
  function pager(target, path, before) {
    return async () => {
      try {
        const p = await ctx.api(`${path}?limit=25${before ? `&before=${before}` : ''}`);
        target.replaceChildren(table(columns, p.entries), h('div', { class: 'pager' },
          before ? h('button', { type: 'button', onclick: pager(target, path, undefined) }, 'newest') : null,
          p.next === null ? null : h('button', { type: 'button', onclick: pager(target, path, p.next) }, 'older')));
      } catch (err) { target.replaceChildren(notice(err)); }
    };
  }

  await Promise.all([loadNats(), loadIntegrity(), loadChain(), pager(audit, '/security/audit')(), pager(vault, '/security/vault')()]);
  return () => undefined;
}
