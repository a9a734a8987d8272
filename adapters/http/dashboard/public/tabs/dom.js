// Small DOM helpers shared by the tab modules (plain browser ES module, no build step).

/** An element: `attrs` (class, on<event> listeners, other attributes) and children (nodes or text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Epoch ms as `YYYY-MM-DD HH:MM` in UTC. */
export const utc = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
