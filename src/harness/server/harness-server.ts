/**
 * The development harness's HTTP side: serves the built renderer (dist/renderer) and carries the
 * IPC contract over loopback HTTP — `POST /harness/ipc/<channel>` runs a request of the page's
 * channels (not the preload's: see PRELOAD_CHANNELS) through the same dispatch as Electron's
 * ipcMain (payload size, zod schema, typed errors), and
 * `GET /harness/events` streams the contract's events (Server-Sent Events). It listens on
 * 127.0.0.1 only and answers only requests addressed to that host and port (no DNS rebinding)
 * and, for requests, sent by its own page (the Origin header; no cross-site requests).
 * Development and test tooling only: never part of a packaged app.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { MAX_IPC_PAYLOAD_BYTES, PAGE_CHANNELS, type EventChannel, type EventOf, type PageChannel } from '../../shared/ipc-contract.js';
import { dispatchRequest, failure, type HandlerMap } from '../../main/desktop/dispatch.js';
import type { EventSink } from '../../main/desktop/event-sink.js';

export interface HarnessServerOptions {
  /** The built renderer (index.html and assets/). */
  readonly rendererDir: string;
  /** The bundled page bridge (harness-bridge.ts as one script). */
  readonly bridgeScript: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly validate: boolean;
  readonly log: (message: string, error?: unknown) => void;
}

export interface HarnessServer {
  readonly url: string;
  /** Where the desktop services send their events. */
  readonly emit: EventSink;
  /** Installs the handlers (the services open after the server, so the port is known first); only the page's channels are served. */
  setHandlers(handlers: HandlerMap<PageChannel>): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export async function startHarnessServer(options: HarnessServerOptions): Promise<HarnessServer> {
  let handlers: HandlerMap<PageChannel> | null = null;
  const streams = new Set<ServerResponse>();
  let host = '';
  const page = await readFile(join(options.rendererDir, 'index.html'), 'utf8');
  // The bridge must define window.dockside before the app's module script runs.
  const injected = page.replace('<head>', '<head>\n    <script src="/harness/bridge.js"></script>');

  const server: Server = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      options.log('Harness request failed', error);
      if (!response.headersSent) respond(response, 500, 'text/plain', 'Internal error');
      else response.end();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers.host !== host) return respond(response, 421, 'text/plain', 'Wrong host.');
    const path = new URL(request.url ?? '/', `http://${host}`).pathname;
    if (path.startsWith('/harness/ipc/')) return ipc(request, response, decodeURIComponent(path.slice('/harness/ipc/'.length)));
    if (request.method !== 'GET') return respond(response, 405, 'text/plain', 'Method not allowed.');
    if (path === '/harness/events') return events(request, response);
    if (path === '/harness/bridge.js') return respond(response, 200, TYPES['.js']!, options.bridgeScript);
    if (path === '/' || path === '/index.html') return respond(response, 200, TYPES['.html']!, injected);
    const file = normalize(join(options.rendererDir, path));
    if (!file.startsWith(options.rendererDir + sep)) return respond(response, 404, 'text/plain', 'Not found.');
    try {
      return respond(response, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
    } catch {
      return respond(response, 404, 'text/plain', 'Not found.');
    }
  }

  async function ipc(request: IncomingMessage, response: ServerResponse, channel: string): Promise<void> {
    if (request.method !== 'POST') return respond(response, 405, 'text/plain', 'Method not allowed.');
    // Only our own page may call: a page from elsewhere has another Origin.
    if (request.headers.origin !== `http://${host}`) return json(response, 403, failure('FORBIDDEN', 'This request did not come from the Dockside page.'));
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return json(response, 415, failure('INVALID_INPUT', 'Requests are JSON.'));
    // Here the page sends every request itself, so a preload channel (a dropped file's path) is not
    // served: the page would name the path. Refused like an unknown channel.
    if (!isPageChannel(channel)) return json(response, 404, failure('INVALID_INPUT', `No such request: ${channel.slice(0, 64)}.`));
    const body = await readBody(request, MAX_IPC_PAYLOAD_BYTES + 1024);
    if (body === null) return json(response, 413, failure('INVALID_INPUT', `${channel}: the request is too large or not plain data.`));
    let args: unknown;
    try {
      args = (JSON.parse(body) as { args?: unknown }).args;
    } catch {
      args = undefined;
    }
    if (!Array.isArray(args)) return json(response, 400, failure('INVALID_INPUT', `${channel}: the request is not plain data.`));
    if (!handlers) return json(response, 503, failure('IPC_FAILED', 'Dockside is still starting. Try again in a moment.'));
    const handler = handlers[channel];
    const result = await dispatchRequest(channel, handler as never, args, { validateResponses: options.validate, onError: (c, error) => options.log(`IPC ${c} failed`, error) });
    return json(response, 200, result);
  }

  function events(_request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    // Reconnect quickly after a harness restart.
    response.write('retry: 500\n\n');
    streams.add(response);
    response.on('close', () => streams.delete(response));
  }

  const emit: EventSink = <C extends EventChannel>(channel: C, payload: EventOf<C>) => {
    const frame = `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `http://${host}/`,
    emit,
    setHandlers: (next) => {
      handlers = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isPageChannel(channel: string): channel is PageChannel {
  return (PAGE_CHANNELS as readonly string[]).includes(channel);
}

function respond(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // The same policy the app's window gets (src/main/app/window.ts).
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  response.end(body);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  respond(response, status, 'application/json', JSON.stringify(value));
}

/** The body as text, or null when larger than `limit` bytes. */
async function readBody(request: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
