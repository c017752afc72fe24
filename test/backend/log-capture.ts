// A pino destination that keeps every line written to it, for tests that read the log.
import { Writable } from 'node:stream';

export interface LogCapture {
  readonly destination: Writable;
  /** Raw lines (JSON), in order. */
  readonly lines: string[];
  /** The lines parsed. */
  entries(): Record<string, unknown>[];
}

export function captureLog(): LogCapture {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { destination, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
