/**
 * Makes an http.Agent honour `Expect: 100-continue`: the request's body is held back until the
 * server answers "100 Continue" (or a time passes), and dropped if the server answers with a
 * final status first.
 *
 * Why: the AWS SDK's NodeHttpHandler waits for "100 Continue" itself only with agents it builds,
 * and for that it gives every such request a fresh agent without keep-alive: a new TCP connection
 * and TLS handshake for every part. Handed an agent of ours it keeps the connection but writes the
 * body at once (smithy-typescript #1757). S3 refuses a part early (ExpiredToken, AccessDenied) and
 * closes the connection; with the body already streaming, that error surfaces as a reset
 * connection instead of the error S3 sent, and the engine could not refresh credentials on it.
 * S3ObjectStore therefore always hands the SDK agents of its own, kept alive, with this gate on
 * every request (store-agents.ts).
 */
import type http from 'node:http';

/** How long to wait for "100 Continue" before sending anyway (the SDK waits at least 6 s too). */
export const CONTINUE_WAIT_MS = 6_000;

type Write = http.ClientRequest['write'];
type End = http.ClientRequest['end'];

/** Holds `req`'s body back until "100 Continue" when it expects one (see above); call before the request is sent. */
export function holdBodyUntilContinue(req: http.ClientRequest, waitMs = CONTINUE_WAIT_MS): void {
  const expect = req.getHeader('expect');
  if (typeof expect !== 'string' || expect.toLowerCase() !== '100-continue') return;
  let state: 'waiting' | 'open' | 'closed' = 'waiting';
  const queued: (() => void)[] = [];
  const own = req as unknown as { write: Write; end: End };
  const write = own.write;
  const end = own.end;
  own.write = ((...args: Parameters<Write>) => {
    if (state === 'open') return write.apply(req, args);
    if (state === 'waiting') queued.push(() => void write.apply(req, args));
    // false: a pipe pauses until 'drain', so at most one chunk waits here.
    return false;
  }) as Write;
  own.end = ((...args: Parameters<End>) => {
    if (state === 'open') return end.apply(req, args);
    if (state === 'waiting') queued.push(() => void end.apply(req, args));
    return req;
  }) as End;

  const restore = () => {
    clearTimeout(timer);
    own.write = write;
    own.end = end;
  };
  const open = () => {
    if (state !== 'waiting') return;
    state = 'open';
    restore();
    for (const send of queued.splice(0)) send();
    req.emit('drain');
  };
  const timer = setTimeout(open, waitMs);
  timer.unref();
  req.once('continue', open);
  req.once('response', (res: http.IncomingMessage) => {
    if (state !== 'waiting' || res.statusCode === 100) return;
    // The server answered before taking the body: never send it, and do not reuse the
    // connection, since the request was never finished on it.
    state = 'closed';
    queued.length = 0;
    restore();
    req.shouldKeepAlive = false;
  });
  req.once('close', () => {
    if (state === 'waiting') state = 'closed';
    restore();
  });
}
