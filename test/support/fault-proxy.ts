// A tiny fault-injecting reverse proxy for S3 integration tests.
//
// The S3 client under test talks to this proxy (path-style, plain HTTP); the proxy forwards to
// moto unchanged unless a rule matches, in which case it breaks the exchange in one of the ways
// real networks and real S3 do. Rules are one-shot by default so a test can say "fail the next
// UploadPart of part 2" and then watch the engine recover through the very same proxy.
import http from 'node:http';
import type net from 'node:net';

export type FaultAction =
  /** Reset the client connection as soon as the request head arrives; upstream never sees it. */
  | { kind: 'reset-before-upstream' }
  /** Read this many request-body bytes, then reset the client connection; upstream never sees the request. */
  | { kind: 'reset-mid-body'; afterBytes: number }
  /** Accept the request and its body, then answer nothing: forever, or for `ms` and then reset. */
  | { kind: 'stall'; ms?: number }
  /** Answer with an S3-style XML error (e.g. 503 SlowDown); upstream never sees the request. */
  | { kind: 'status'; status: number; code: string; message?: string }
  /** Forward, wait for the whole upstream response (so S3 acted on it), then reset instead of replying. */
  | { kind: 'drop-response' }
  /** Forward, and hold upstream's answer for `ms` before passing it on: a server slow to process. */
  | { kind: 'delay'; ms: number };

export interface RequestInfo {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

export interface FaultRule {
  /** Used by fired() and recorded in the log. */
  name?: string;
  match: (req: RequestInfo) => boolean;
  action: FaultAction;
  /** How many matching requests this rule applies to; default 1, Infinity allowed. */
  times?: number;
}

export interface ProxyLogEntry {
  method: string;
  path: string;
  /** The raw query string without the leading '?'. */
  query: string;
  /** The kind of fault applied, if any. */
  fault?: string;
  /** The rule's name, if the applied rule had one. */
  rule?: string;
  /** The status the client received, or for drop-response the one upstream sent and the client never saw. */
  status?: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** Every request seen, in arrival order. */
  readonly log: ReadonlyArray<ProxyLogEntry>;
  /** How many times the rule with this name fired. */
  fired(name: string): number;
  /** Closes the server and destroys every open socket, including stalled ones. */
  close(): Promise<void>;
}

// Matchers for S3 multipart operations, so rules read like the S3 API rather than like HTTP.

/** UploadPart (optionally of one part number): PUT ?partNumber=N&uploadId=... */
export function isUploadPart(partNumber?: number): (req: RequestInfo) => boolean {
  return (req) =>
    req.method === 'PUT' &&
    req.query.has('uploadId') &&
    req.query.has('partNumber') &&
    !isServerCheckProbe(req) &&
    (partNumber === undefined || req.query.get('partNumber') === String(partNumber));
}

/**
 * One of the one-byte parts the engine sends before a new upload's first part to find out what
 * the server checks (src/main/engine/server-checks.ts). isUploadPart leaves them out: rules
 * about "part N" mean the file's parts.
 */
export function isServerCheckProbe(req: RequestInfo): boolean {
  if (req.method !== 'PUT' || !req.query.has('uploadId') || !req.query.has('partNumber')) return false;
  const decoded = req.headers['x-amz-decoded-content-length'];
  return decoded !== undefined ? decoded === '1' : req.headers['content-length'] === '1';
}

/** CompleteMultipartUpload: POST ?uploadId=... */
export function isCompleteMultipart(): (req: RequestInfo) => boolean {
  return (req) => req.method === 'POST' && req.query.has('uploadId');
}

/** CreateMultipartUpload: POST ?uploads */
export function isCreateMultipart(): (req: RequestInfo) => boolean {
  return (req) => req.method === 'POST' && req.query.has('uploads');
}

/** ListParts: GET ?uploadId=... */
export function isListParts(): (req: RequestInfo) => boolean {
  return (req) => req.method === 'GET' && req.query.has('uploadId');
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

// Headers that describe one hop and must not be copied across the proxy. `expect` is answered
// by the proxy itself (100-continue), so passing it on would make upstream answer it again.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'upgrade',
  'expect',
]);

function forwardableHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  }
  return out;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function s3ErrorXml(code: string, message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
    '<RequestId>fault-proxy</RequestId></Error>'
  );
}

/** A reset (RST), not a polite FIN: that is what a dropped connection looks like to the client. */
function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.resetAndDestroy();
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const upstreamUrl = new URL(upstream);
  if (upstreamUrl.protocol !== 'http:') throw new Error(`fault proxy only forwards to http:// upstreams, got ${upstream}`);
  const upstreamHost = upstreamUrl.hostname;
  const upstreamPort = Number(upstreamUrl.port || 80);

  const rules: ActiveRule[] = [];
  const firedCounts = new Map<string, number>();
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  function takeRule(info: RequestInfo): FaultRule | undefined {
    for (const active of rules) {
      if (active.remaining > 0 && active.rule.match(info)) {
        active.remaining -= 1;
        const name = active.rule.name;
        if (name !== undefined) firedCounts.set(name, (firedCounts.get(name) ?? 0) + 1);
        return active.rule;
      }
    }
    return undefined;
  }

  function sendError(res: http.ServerResponse, status: number, code: string, message: string, close: boolean): void {
    const body = s3ErrorXml(code, message);
    res.writeHead(status, {
      'Content-Type': 'application/xml',
      'Content-Length': Buffer.byteLength(body),
      'x-amz-request-id': 'fault-proxy',
      // When the request body was never read (100-continue refused), the connection is out of
      // sync with the client's framing; closing it is the only safe way to be done with it.
      ...(close ? { Connection: 'close' } : {}),
    });
    res.end(body);
  }

  /** Passes the request upstream; calls onResponse with the upstream response, or answers 502 itself. */
  function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: ProxyLogEntry,
    onResponse: (upRes: http.IncomingMessage) => void,
  ): void {
    const upReq = http.request({
      host: upstreamHost,
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers: forwardableHeaders(req.headers),
      // A fresh connection per request: moto's dev server may close idle keep-alive sockets at
      // any time, and a stale pooled socket would show up as a spurious fault.
      agent: false,
    });
    upReq.on('response', onResponse);
    upReq.on('error', (err) => {
      if (res.headersSent || req.socket.destroyed) {
        resetSocket(req.socket);
        return;
      }
      entry.status = 502;
      sendError(res, 502, 'BadGateway', `fault proxy could not reach upstream: ${err.message}`, true);
    });
    // If the client goes away mid-request, upstream must not see a truncated body as complete.
    req.on('close', () => {
      if (!req.complete) upReq.destroy();
    });
    // If the client goes away mid-response, stop reading from upstream as well.
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
    req.pipe(upReq);
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean): void {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const info: RequestInfo = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    const entry: ProxyLogEntry = { method: info.method, path: info.path, query: url.search.replace(/^\?/, '') };
    log.push(entry);

    let rule: FaultRule | undefined;
    try {
      rule = takeRule(info);
    } catch (err) {
      // A throwing matcher is a bug in the test; answer loudly instead of crashing the worker.
      entry.status = 500;
      sendError(res, 500, 'FaultProxyRuleError', `a rule's match() threw: ${String(err)}`, true);
      return;
    }

    const action = rule?.action;
    if (rule !== undefined && action !== undefined) {
      entry.fault = action.kind;
      if (rule.name !== undefined) entry.rule = rule.name;
    }

    const passOn = (upRes: http.IncomingMessage) => {
      const status = upRes.statusCode ?? 502;
      entry.status = status;
      res.writeHead(status, upRes.statusMessage, forwardableHeaders(upRes.headers));
      upRes.pipe(res);
      // Upstream dying mid-body must not look like a short but complete response.
      upRes.on('close', () => {
        if (!upRes.complete) resetSocket(req.socket);
      });
    };

    switch (action?.kind) {
      case undefined: {
        if (expectsContinue) res.writeContinue();
        forward(req, res, entry, passOn);
        return;
      }

      case 'delay': {
        if (expectsContinue) res.writeContinue();
        const { ms } = action;
        forward(req, res, entry, (upRes) => {
          upRes.pause();
          const timer = setTimeout(() => {
            timers.delete(timer);
            passOn(upRes);
          }, ms);
          timers.add(timer);
        });
        return;
      }

      case 'reset-before-upstream':
        resetSocket(req.socket);
        return;

      case 'reset-mid-body': {
        if (expectsContinue) res.writeContinue();
        const limit = action.afterBytes;
        let seen = 0;
        if (limit <= 0) {
          resetSocket(req.socket);
          return;
        }
        req.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen >= limit) resetSocket(req.socket);
        });
        // A body shorter than the limit still ends in a reset: the fault must always fire.
        req.on('end', () => resetSocket(req.socket));
        return;
      }

      case 'stall': {
        if (expectsContinue) res.writeContinue();
        req.resume();
        const { ms } = action;
        if (ms === undefined) return; // The socket stays open until the client gives up or close().
        req.on('end', () => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resetSocket(req.socket);
          }, ms);
          timers.add(timer);
          req.socket.once('close', () => {
            clearTimeout(timer);
            timers.delete(timer);
          });
        });
        return;
      }

      case 'status': {
        entry.status = action.status;
        const message = action.message ?? `Injected by fault proxy (${action.code})`;
        if (expectsContinue) {
          // Like S3, refuse the body outright: answer before the client sends it.
          sendError(res, action.status, action.code, message, true);
        } else {
          // Drain the body first so the keep-alive connection stays usable for the next request.
          req.resume();
          req.on('end', () => sendError(res, action.status, action.code, message, false));
        }
        return;
      }

      case 'drop-response': {
        if (expectsContinue) res.writeContinue();
        forward(req, res, entry, (upRes) => {
          entry.status = upRes.statusCode;
          upRes.resume();
          // 'close' covers both a complete response and upstream dying mid-body: either way the
          // client must see a dead connection, never a response.
          upRes.on('close', () => resetSocket(req.socket));
        });
        return;
      }
    }
  }

  const server = http.createServer();
  // Long enough to keep the SDK's pooled connections alive between requests of a test, short
  // enough that nothing lingers for long after one.
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Resets are the point of this proxy; an ECONNRESET on our side of the socket is expected.
    socket.on('error', () => undefined);
  });
  server.on('request', (req, res) => handle(req, res, false));
  // Node does not emit 'request' for Expect: 100-continue; the decision to send 100 is ours.
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.on('clientError', (_err, socket) => {
    if (!socket.destroyed) socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy: no TCP address');
  const endpoint = `http://127.0.0.1:${address.port}`;

  return {
    endpoint,
    addRule(rule: FaultRule): void {
      rules.push({ rule, remaining: rule.times ?? 1 });
    },
    clearRules(): void {
      rules.length = 0;
    },
    log,
    fired(name: string): number {
      return firedCounts.get(name) ?? 0;
    },
    async close(): Promise<void> {
      if (closing) return;
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
