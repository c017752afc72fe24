/**
 * How long an S3 event whose promotion hit a transient error stays hidden before SQS offers it
 * again: exponential in the number of deliveries, capped. The cap matters beyond politeness: a
 * redelivery must come inside SQS's 5-minute FIFO deduplication window so that a "file available"
 * re-sent after a failure between sending and recording it is dropped (see the template's notes).
 */

/** Seconds to wait before delivery number `receiveCount + 1`. */
export function redeliveryDelaySeconds(receiveCount: number, baseSeconds: number, capSeconds: number): number {
  const n = Math.max(1, Math.floor(receiveCount));
  const delay = baseSeconds * 2 ** Math.min(n - 1, 20);
  return Math.max(0, Math.min(capSeconds, Math.round(delay)));
}
