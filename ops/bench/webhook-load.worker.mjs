// The bounded load generator of figure (j), in a worker thread so that it does not share the
// app's event loop: open loop (requests leave on schedule whether or not earlier ones were
// answered), `rate` requests a second over keep-alive connections to one 127.0.0.1 URL, each body
// sent once, nothing retried. Plain JavaScript: a worker does not inherit tsx's loader reliably.
//
// A symbol's next alert waits for the answer to its previous one (TradingView sends one alert per
// symbol per bar, so two of a symbol are never in flight together): alert i is lane i % lanes.
//
// workerData: { url, bodies: string[], rate, connections, lanes }
// Posts { sentAt: number[], answeredAt: number[], status: number[] } (absolute ms, fractional)
// when every request is answered or failed (status 0 = connection error).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, bodies, rate, connections, lanes } = workerData;
const target = new URL(url);
if (target.hostname !== '127.0.0.1') throw new Error(`load goes to 127.0.0.1 only, not ${target.hostname}`);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const now = () => performance.timeOrigin + performance.now();
const n = bodies.length;
const sentAt = new Array(n).fill(0);
const answeredAt = new Array(n).fill(0);
const status = new Array(n).fill(0);
let done = 0;

function send(i) {
  sentAt[i] = now();
  const req = http.request(
    { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'text/plain' } },
    (res) => {
      res.resume();
      res.on('end', () => finish(i, res.statusCode ?? 0));
    },
  );
  req.on('error', () => finish(i, 0));
  req.end(bodies[i]);
}

function finish(i, code) {
  answeredAt[i] = now();
  status[i] = code;
  done += 1;
  const lane = i % lanes;
  busy[lane] = false;
  const queued = waiting[lane];
  if (queued.length > 0) {
    busy[lane] = true;
    send(queued.shift());
  }
  if (done === n) {
    agent.destroy();
    parentPort.postMessage({ sentAt, answeredAt, status });
  }
}

// Every millisecond tick sends the requests whose scheduled time has come (i / rate seconds after
// the start), so a late tick catches up instead of lowering the rate.
const busy = new Array(lanes).fill(false);
const waiting = Array.from({ length: lanes }, () => []);
const start = now();
let next = 0;
const timer = setInterval(() => {
  const due = Math.min(n, Math.floor(((now() - start) / 1000) * rate) + 1);
  for (; next < due; next++) {
    const lane = next % lanes;
    if (busy[lane]) waiting[lane].push(next);
    else {
      busy[lane] = true;
      send(next);
    }
  }
  if (next >= n) clearInterval(timer);
}, 1);
