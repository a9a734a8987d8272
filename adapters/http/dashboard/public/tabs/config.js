// The Config tab: the governed strategy and risk parameters (docs/config.md) with validation,
// proposals with their approvals (TOTP) and rejections, and the history of applied versions.
import { h, utc } from './dom.js';
const changesText = (c) => Object.entries(c).map(([k, v]) => `${k} = ${v}`).join(', ');

export async function mount(el, ctx) {
  const canPropose = ctx.can('config.propose');
  const canApprove = ctx.can('config.approve');
  const msg = h('p', { id: 'config-message', role: 'status' });
  const say = (ok, text) => { msg.className = ok ? 'ok' : 'error'; msg.textContent = text; };
  const paramsBody = h('tbody', { id: 'config-params' });
  const proposalsBody = h('tbody', { id: 'config-proposals' });
  const historyBody = h('tbody', { id: 'config-history' });
  const reason = h('input', { id: 'config-reason', placeholder: 'why (required)', size: '40' });
  const code = h('input', { id: 'config-code', placeholder: 'TOTP (optional: approve with it)', maxlength: '6', inputmode: 'numeric' });
  const versionEl = h('span', { id: 'config-version' });

  const changes = () => {
    const out = {};
    for (const input of paramsBody.querySelectorAll('input[data-name]')) if (input.value.trim() !== '') out[input.dataset.name] = input.value.trim();
    return out;
  };
  const check = async () => {
    try {
      const r = await ctx.api('/config/validate', { method: 'POST', body: { changes: changes() } });
      say(true, `valid: ${changesText(r.changes)}`);
      return true;
    } catch (e) {
      say(false, e.message);
      if (e.field) paramsBody.querySelector(`input[data-name="${e.field}"]`)?.focus();
      return false;
    }
  };
  const propose = async () => {
    try {
      const body = { changes: changes(), reason: reason.value.trim() };
      if (code.value.trim() !== '') body.code = code.value.trim();
      const r = await ctx.api('/config/proposals', { method: 'POST', body });
      say(true, `proposal ${r.id}: ${r.state}`);
      await load();
    } catch (e) {
      say(false, e.message);
    }
  };

  el.append(
    h('section', { class: 'panel' }, h('h2', {}, 'Parameters in force, version ', versionEl),
      h('table', {}, h('thead', {}, h('tr', {}, ...['parameter', 'value', canPropose ? 'new value' : '', 'meaning'].map((t) => h('th', {}, t)))), paramsBody),
      canPropose ? h('div', { class: 'row' }, reason, code, h('button', { type: 'button', id: 'config-check', onclick: check }, 'Check'), h('button', { type: 'button', id: 'config-propose', onclick: propose }, 'Propose')) : h('p', { class: 'muted' }, 'Your role may not propose changes.'),
      msg),
    h('section', { class: 'panel' }, h('h2', {}, 'Proposals'),
      h('table', {}, h('thead', {}, h('tr', {}, ...['id', 'by', 'when (UTC)', 'changes', 'reason', 'state', ''].map((t) => h('th', {}, t)))), proposalsBody)),
    h('section', { class: 'panel' }, h('h2', {}, 'History (applied versions)'),
      h('table', {}, h('thead', {}, h('tr', {}, ...['version', 'applied (UTC)', 'by', 'proposal'].map((t) => h('th', {}, t)))), historyBody)),
  );

  const decide = async (p, action, input) => {
    try {
      const body = action === 'approve' ? { code: input.value.trim() } : { reason: input.value.trim() || 'rejected from the dashboard' };
      const r = await ctx.api(`/config/proposals/${encodeURIComponent(p.id)}/${action}`, { method: 'POST', body });
      say(true, `proposal ${p.id}: ${r.state}`);
      await load();
    } catch (e) {
      say(false, `${p.id}: ${e.message}`);
    }
  };

  const load = async () => {
    const c = await ctx.api('/config');
    versionEl.textContent = c.version === null ? '(none yet)' : String(c.version);
    paramsBody.textContent = '';
    for (const p of c.params) {
      paramsBody.append(h('tr', {}, h('td', {}, p.name), h('td', { 'data-param': p.name }, p.value ?? ''),
        h('td', {}, canPropose ? h('input', { 'data-name': p.name, size: '8', 'aria-label': `new ${p.name}` }) : ''), h('td', { class: 'muted' }, p.meaning)));
    }
    proposalsBody.textContent = '';
    if (c.proposals.length === 0) proposalsBody.append(h('tr', {}, h('td', { colspan: '7', class: 'muted' }, 'none')));
    for (const p of c.proposals) {
      const open = p.state === 'proposed' || p.state === 'pendingSecondApproval';
      const actions = h('td', {});
      if (open && canApprove) {
        const totp = h('input', { placeholder: 'TOTP', maxlength: '6', size: '7', 'aria-label': `TOTP for ${p.id}` });
        actions.append(totp, h('button', { type: 'button', onclick: () => decide(p, 'approve', totp) }, 'Approve'));
      }
      if (open && (canApprove || p.proposedBy === ctx.user.user)) {
        const why = h('input', { placeholder: 'reason', size: '10', 'aria-label': `reason for rejecting ${p.id}` });
        actions.append(why, h('button', { type: 'button', onclick: () => decide(p, 'reject', why) }, 'Reject'));
      }
      proposalsBody.append(h('tr', { 'data-proposal': p.id }, h('td', {}, p.id), h('td', {}, p.proposedBy), h('td', {}, utc(p.proposedAt)), h('td', {}, changesText(p.changes)), h('td', {}, p.reason), h('td', {}, p.state), actions));
    }
    historyBody.textContent = '';
    for (const v of c.history) historyBody.append(h('tr', {}, h('td', {}, v.version), h('td', {}, utc(v.appliedAt)), h('td', {}, v.appliedBy), h('td', {}, v.proposalId ?? '(seeded from the environment)')));
  };
  await load();
}
