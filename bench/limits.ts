/**
 * The physical limit in the same run: the lower of reading the file from disk and a raw HTTP
 * PUT stream to the sink over loopback (several at once, as the tools use several connections),
 * sent by a process of its own (bench/raw-put.ts).
 */
import { open } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { cpuSecondsSince } from './measure.js';

const RAW_PUT_MAIN = resolve(import.meta.dirname, 'raw-put.ts');

/**
 * MiB/s reading `file` start to end with large sequential reads, as the tools then read it: the
 * file is read once untimed first, so that, like every tool after the first, the timed read finds
 * it in the page cache. (A read straight after the bench's own 16 GiB sparse reads, which fill the
 * cache with zeros, came from disk at 438 MiB/s while every tool then read at page-cache speed:
 * a "limit" the tools beat by 20 %.) Returns the timed read, and the first for the report.
 */
export async function diskReadMiBs(file: string): Promise<{ warm: number; first: number }> {
  const first = await timedRead(file);
  return { warm: await timedRead(file), first };
}

async function timedRead(file: string): Promise<number> {
  const handle = await open(file, 'r');
  const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
  let total = 0;
  const started = process.hrtime.bigint();
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return total / (1024 * 1024) / (Number(process.hrtime.bigint() - started) / 1e9);
}

export interface RawPut {
  /** MiB/s of the PUT streams together. */
  readonly mibs: number;
  /** CPU seconds (user + sys) the sending process spent per GiB sent. */
  readonly cpuSecondsPerGiB: number;
}

/**
 * `streams` parallel PUTs totalling `totalBytes` to the sink (no S3 client in the way), sent from
 * a child process of their own, as every tool's uploads are: the sink runs in the bench's process,
 * and a raw stream sent from that same thread would share it with the sink and understate the limit.
 * With `withCrc32`, each PUT names its CRC32 (computed before the clock starts), so the sink
 * verifies it as it verifies every part Dockside sends: on a machine where the sink shares the
 * cores, that is the same server-side work per byte as an upload with integrity checks.
 */
export async function rawPut(endpoint: string, caFile: string | undefined, totalBytes: number, streams = 8, withCrc32 = false): Promise<RawPut> {
  const child = spawn(process.execPath, ['--import', 'tsx', RAW_PUT_MAIN, endpoint, caFile ?? '-', String(totalBytes), String(streams), withCrc32 ? 'crc32' : 'plain'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`the raw PUT process exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as RawPut;
}

/** The raw PUT streams themselves, in this process; rawPut runs this in a child. */
export async function sendRawPut(endpoint: string, caFile: string | undefined, totalBytes: number, streams: number, withCrc32: boolean): Promise<RawPut> {
  const url = new URL(endpoint);
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const perStream = Math.floor(totalBytes / streams);
  let crcHeader: Record<string, string> = {};
  if (withCrc32) {
    let crc = 0;
    for (let sent = 0; sent < perStream; sent += chunk.length) crc = crc32(chunk.subarray(0, Math.min(chunk.length, perStream - sent)), crc);
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(crc >>> 0);
    crcHeader = { 'x-amz-checksum-crc32': bytes.toString('base64') };
  }
  const agentOptions = { keepAlive: true, ...(caFile ? { ca: readFileSync(caFile) } : {}) };
  const agent = url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: streams }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const request = (url.protocol === 'https:' ? https : http).request(
          {
            host: url.hostname,
            port: url.port,
            method: 'PUT',
            path: `/bench-limit/raw-${i}`,
            agent,
            headers: { 'content-length': perStream, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...crcHeader },
          },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`raw PUT answered ${res.statusCode}`))));
          },
        );
        request.on('error', reject);
        let sent = 0;
        const pump = () => {
          while (sent < perStream) {
            const n = Math.min(chunk.length, perStream - sent);
            sent += n;
            if (!request.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void request.once('drain', pump);
          }
          request.end();
        };
        pump();
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpuSecondsSince(cpu);
  agent.destroy();
  const bytes = perStream * streams;
  return { mibs: bytes / (1024 * 1024) / seconds, cpuSecondsPerGiB: cpuSeconds / (bytes / 2 ** 30) };
}
