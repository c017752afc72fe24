/**
 * Runs the S3 sink until SIGTERM/SIGINT; prints one JSON line {"endpoint":...,"caFile":...}
 * on stdout once it is listening (for scripts, e.g. inside a network namespace).
 *
 *   node --import tsx bench/sink/main.ts [--tls] [--host 127.0.0.1] [--port 0] [--no-md5 [--trust-content-md5]] [--cert-dir DIR] [--stats]
 *
 * --stats prints the sink's counters as a second JSON line on stderr when it stops.
 */
import { parseArgs } from 'node:util';
import { startS3Sink } from './s3-sink.js';

const { values } = parseArgs({
  options: {
    tls: { type: 'boolean', default: false },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    md5: { type: 'boolean', default: true },
    'no-md5': { type: 'boolean', default: false },
    'trust-content-md5': { type: 'boolean', default: false },
    'cert-dir': { type: 'string' },
    stats: { type: 'boolean', default: false },
  },
  strict: true,
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: "${values.port}" is not a port number`);
  process.exit(2);
}

const sink = await startS3Sink({
  tls: values.tls,
  host: values.host,
  port,
  md5: values.md5 && !values['no-md5'],
  trustContentMd5: values['trust-content-md5'],
  ...(values['cert-dir'] ? { certDir: values['cert-dir'] } : {}),
});
process.stdout.write(`${JSON.stringify({ endpoint: sink.endpoint, caFile: sink.caFile ?? null })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sink.close().then(() => {
    if (values.stats) process.stderr.write(`${JSON.stringify(sink.stats())}\n`);
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
