/**
 * The part of `ws` (8.x; installed with @statelyai/inspect, which uses it) that fakeout and its
 * tests use. `@types/ws` is not installed; if it ever is, delete this file.
 */
declare module 'ws' {
  import type { EventEmitter } from 'node:events';
  import type { Server as HttpServer } from 'node:http';

  export class WebSocket extends EventEmitter {
    constructor(address: string);
    static readonly OPEN: 1;
    readonly readyState: number;
    send(data: string): void;
    close(): void;
    terminate(): void;
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: { server: HttpServer });
    readonly clients: Set<WebSocket>;
    close(cb?: (err?: Error) => void): void;
  }

  export default WebSocket;
}
