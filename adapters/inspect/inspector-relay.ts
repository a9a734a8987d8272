/**
 * `fakeout start --inspect`: every supervised actor's XState inspection events, converted by
 * @statelyai/inspect's own inspector (createInspector), go to a small WebSocket relay on
 * 127.0.0.1. A browser opens the relay's page, which embeds the Stately inspector
 * (https://stately.ai/inspect) and forwards each event to it; any other WebSocket client (a
 * test, a script) may connect to the same URL and read the events as JSON.
 *
 * WHY not the library's createInspectorServer: it listens on every interface (actor contexts
 * hold orders and positions), only on a fixed port it cannot report, and opens a browser by
 * running a shell command. The relay keeps its protocol (one JSON inspection event per message,
 * a late client first gets what it missed) on the loopback and a free or given port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { AnyActorRef } from 'xstate';

export const STATELY_INSPECT_URL = 'https://stately.ai/inspect';
/** a late client first gets every live actor's announcement and this many recent events */
const RECENT_EVENTS = 500;
const MAX_ACTORS = 2000;
/** one event past this is sent without its context (a stage's batch can be large) */
const MAX_EVENT_BYTES = 256 * 1024;

export interface InspectorRelay {
  /** `ws://127.0.0.1:<port>`: where inspection events are served */
  readonly url: string;
  /** `http://127.0.0.1:<port>/`: the page that shows them in the Stately inspector */
  readonly viewerUrl: string;
  /** relays this actor (and every actor of its system: the ones it invokes or spawns) */
  attach(actor: AnyActorRef): void;
  stop(): Promise<void>;
}

/** JSON of an inspection event: cycles, functions and bigints replaced, so one odd context cannot break the relay. */
export function serializeInspectionEvent(event: unknown): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(event, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
  if (text.length <= MAX_EVENT_BYTES) return text;
  const e = event as { snapshot?: { context?: unknown } };
  return e.snapshot === undefined ? JSON.stringify({ ...(event as object), truncated: true }) : serializeInspectionEvent({ ...(event as object), snapshot: { ...e.snapshot, context: '[too large]' } });
}

function viewerPage(inspectUrl: string): string {
  // The page connects back to the host it was loaded from, so it works on any port.
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>fakeout — Stately inspector</title>
<style>html,body,iframe{margin:0;width:100%;height:100%;border:0}</style></head>
<body><iframe id="inspector" src="${inspectUrl}"></iframe>
<script>
const frame = document.getElementById('inspector');
const pending = [];
let ready = false;
addEventListener('message', (e) => {
  if (e.data && e.data.type === '@statelyai.connected') { ready = true; for (const m of pending.splice(0)) frame.contentWindow.postMessage(m, '*'); }
});
const ws = new WebSocket('ws://' + location.host);
ws.onmessage = (e) => { const m = JSON.parse(e.data); if (ready) frame.contentWindow.postMessage(m, '*'); else pending.push(m); };
</script></body></html>`;
}

/** Starts the relay on `host` (default 127.0.0.1) and `port` (0 or absent: a free one). */
export async function startInspectorRelay(opts: { host?: string; port?: number; inspectUrl?: string } = {}): Promise<InspectorRelay> {
  const host = opts.host ?? '127.0.0.1';
  const page = viewerPage(opts.inspectUrl ?? STATELY_INSPECT_URL);
  const http: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  const wss = new WebSocketServer({ server: http });
  const actors = new Map<string, string>(); // sessionId → its @xstate.actor event
  const recent: string[] = [];

  wss.on('connection', (ws: WebSocket) => {
    for (const m of actors.values()) ws.send(m);
    for (const m of recent) ws.send(m);
  });
  const broadcast = (event: StatelyInspectionEvent): void => {
    let text: string;
    try {
      text = serializeInspectionEvent(event);
    } catch {
      return; // an event that cannot be serialised is not worth breaking an actor for
    }
    const e = event as { type: string; sessionId?: string };
    if (e.type === '@xstate.actor' && e.sessionId !== undefined) {
      actors.set(e.sessionId, text);
      if (actors.size > MAX_ACTORS) actors.delete(actors.keys().next().value!);
    } else {
      recent.push(text);
      if (recent.length > RECENT_EVENTS) recent.shift();
    }
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  };
  const inspector = createInspector({ send: broadcast });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://${host}:${port}`,
    viewerUrl: `http://${host}:${port}/`,
    attach(actor) {
      // The root's own @xstate.actor event was sent by createActor before anyone could listen:
      // announce it by hand, then follow its system (children announce themselves).
      inspector.actor(actor, actor.getSnapshot() as never);
      actor.system.inspect(inspector.inspect);
    },
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
