// A throwaway HTTP server on 127.0.0.1:0 for tests of HTTP clients (the backend client, the CLI's
// login and status): each test sets how it answers and reads back what it was sent.
import http from 'node:http';
import type net from 'node:net';
import { createUploadResponse } from './backend-fixtures.js';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse, raw: http.IncomingMessage) => void;

export interface LocalHttp {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Every request received, in arrival order (recorded once its body has arrived). */
  readonly requests: RecordedRequest[];
  /** How the next requests are answered (default: 404). */
  handle(handler: Handler): void;
  /** Closes the server and destroys every open socket, including ones held open by a test. */
  close(): Promise<void>;
}

/** Answers with `status` and `body` serialised as JSON. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startLocalHttp(): Promise<LocalHttp> {
  let handler: Handler = (_req, res) => sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no handler set' } });
  const requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const req = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(req);
      handler(req, res, raw);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A stand-in Dockside backend on loopback: answers a sign-in check (GET /v1/uploads: an empty list)
 * and grants an upload (a new id each time) for every POST /v1/uploads, its target on this same
 * server; 404 otherwise. `requests` shows whether a test's refusal kept it from being asked.
 */
export async function startGrantingBackend(): Promise<LocalHttp> {
  const backend = await startLocalHttp();
  let n = 0;
  backend.handle((req, res) => {
    if (req.method === 'GET' && req.url.startsWith('/v1/uploads?')) return sendJson(res, 200, { uploads: [], nextCursor: null });
    if (req.method !== 'POST' || req.url !== '/v1/uploads') return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
    const granted = createUploadResponse();
    const id = `${granted.id.slice(0, -1)}${++n}`;
    sendJson(res, 201, { ...granted, id, target: { ...granted.target, endpoint: backend.url, key: `uploads/${id}/file.bin` } });
  });
  return backend;
}
