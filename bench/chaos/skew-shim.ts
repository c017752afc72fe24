// A clock skew, as S3 shows it: a pass-through HTTP shim placed between the fault proxy and moto
// (client -> fault proxy -> shim -> moto). moto does not check when a request was signed, so the
// shim plays S3's part: once skewed, the "server clock" runs `offsetMs` ahead of the real one,
// every response carries that time in its Date header, and a request whose X-Amz-Date is more
// than 15 minutes away from it is refused the way S3 refuses it:
//
//   403 <Error><Code>RequestTimeTooSkewed</Code>…<RequestTime>…</RequestTime><ServerTime>…</ServerTime>
//
// (HEAD gets the bare 403 with the Date header: a HEAD response has no body.) The AWS SDK reads
// the server's time from such an answer (ServerTime, else Date) and corrects its clock offset, so
// a client that recovers sends requests the shim accepts; one that does not is refused for ever.
// Because the SDK also resamples the offset from every successful response's Date header, the
// shim rewrites Date on everything it passes on while skewed; otherwise each success would put
// the client back on the real clock.
import http from 'node:http';
import type net from 'node:net';

export interface ShimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
}

export interface Refusal {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly requestTime: string;
  readonly serverTime: string;
}

export interface SkewShim {
  /** http://127.0.0.1:PORT, the upstream to give the fault proxy. */
  readonly endpoint: string;
  /** Once a forwarded request matches, the server clock runs `offsetMs` ahead (that request is already judged by it). */
  skewWhen(match: (req: ShimRequest) => boolean, offsetMs: number): void;
  /** Skew now. */
  skewNow(offsetMs: number): void;
  /** The current offset of the server clock (0 until skewed). */
  readonly offsetMs: number;
  /** Whether a request with these headers would be refused now (for fault-proxy matchers). */
  wouldRefuse(headers: http.IncomingHttpHeaders): boolean;
  /** Every request refused with RequestTimeTooSkewed. */
  readonly refusals: ReadonlyArray<Refusal>;
  close(): Promise<void>;
}

/** S3's limit: a request signed more than 15 minutes away from the server's clock is refused. */
export const MAX_SKEW_MS = 15 * 60_000;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'expect', 'transfer-encoding']);

function copyHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  return out;
}

/** X-Amz-Date (20261123T140500Z) as epoch ms, or null. */
export function parseAmzDate(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export async function startSkewShim(upstream: string): Promise<SkewShim> {
  const up = new URL(upstream);
  let offsetMs = 0;
  let trigger: { match: (req: ShimRequest) => boolean; offsetMs: number } | null = null;
  const refusals: Refusal[] = [];
  const sockets = new Set<net.Socket>();

  const serverNow = () => Date.now() + offsetMs;
  const refuses = (headers: http.IncomingHttpHeaders): { requestTime: number } | null => {
    if (offsetMs === 0) return null;
    const requestTime = parseAmzDate(headers['x-amz-date']);
    if (requestTime === null) return null;
    return Math.abs(requestTime - serverNow()) > MAX_SKEW_MS ? { requestTime } : null;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shim.invalid');
    const info: ShimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    if (trigger && trigger.match(info)) {
      offsetMs = trigger.offsetMs;
      trigger = null;
    }
    const refused = refuses(req.headers);
    if (refused) {
      const now = serverNow();
      const serverTime = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      refusals.push({ method: info.method, path: info.path, query: url.search.replace(/^\?/, ''), requestTime: amzDate(refused.requestTime), serverTime });
      const body =
        info.method === 'HEAD'
          ? ''
          : '<?xml version="1.0" encoding="UTF-8"?>' +
            '<Error><Code>RequestTimeTooSkewed</Code>' +
            '<Message>The difference between the request time and the current time is too large.</Message>' +
            `<RequestTime>${amzDate(refused.requestTime)}</RequestTime><ServerTime>${serverTime}</ServerTime>` +
            `<MaxAllowedSkewMilliseconds>${MAX_SKEW_MS}</MaxAllowedSkewMilliseconds>` +
            '<RequestId>skew-shim</RequestId></Error>';
      // Read the request body first, so the connection stays in step.
      req.resume();
      req.on('end', () => {
        res.writeHead(403, {
          Date: new Date(now).toUTCString(),
          'Content-Type': 'application/xml',
          'x-amz-request-id': 'skew-shim',
          ...(info.method === 'HEAD' ? {} : { 'Content-Length': Buffer.byteLength(body) }),
        });
        res.end(body);
      });
      return;
    }
    const upReq = http.request({
      host: up.hostname,
      port: Number(up.port || 80),
      method: req.method,
      path: req.url,
      headers: copyHeaders(req.headers),
      agent: false,
    });
    upReq.on('response', (upRes) => {
      const headers = copyHeaders(upRes.headers);
      if (offsetMs !== 0) {
        delete headers.date;
        headers.Date = new Date(serverNow()).toUTCString();
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
      upRes.pipe(res);
      upRes.on('close', () => {
        if (!upRes.complete) req.socket.destroy();
      });
    });
    upReq.on('error', (err) => {
      if (res.headersSent) {
        req.socket.destroy();
        return;
      }
      res.writeHead(502, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end(`skew shim could not reach upstream: ${err.message}`);
    });
    req.on('close', () => {
      if (!req.complete) upReq.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
    req.pipe(upReq);
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('skew shim: no TCP address');

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    skewWhen(match, ms) {
      trigger = { match, offsetMs: ms };
    },
    skewNow(ms) {
      offsetMs = ms;
    },
    get offsetMs() {
      return offsetMs;
    },
    wouldRefuse: (headers) => refuses(headers) !== null,
    refusals,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
