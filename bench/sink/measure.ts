/**
 * Self-measurement of the S3 sink: is it fast enough not to be the bottleneck of a benchmark?
 *
 * Starts the sink as a child process (bench/sink/main.ts) and pushes data through it from this
 * process with N parallel raw HTTP(S) UploadPart streams (each part with its x-amz-checksum-crc32,
 * so the verify path runs), then completes the upload with a FULL_OBJECT CRC32. Prints MiB/s, the
 * sink's CPU time (from /proc) and this client's CPU time, per mode.
 *
 *   node --import tsx bench/sink/measure.ts [--total-mib 2048] [--streams 4] [--part-mib 64]
 *                                           [--modes plain,plain-nomd5,tls,tls-nomd5,plain-nomd5-chunked,tls-nomd5-chunked]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';
import { crc32OfParts, crc32ToBase64 } from '../../src/main/engine/crc32.js';

const MiB = 1024 * 1024;
const CLOCK_TICKS = 100; // USER_HZ on Linux

const { values } = parseArgs({
  options: {
    'total-mib': { type: 'string', default: '2048' },
    streams: { type: 'string', default: '4' },
    'part-mib': { type: 'string', default: '64' },
    modes: { type: 'string', default: 'plain,plain-nomd5,tls,tls-nomd5,plain-nomd5-chunked,tls-nomd5-chunked' },
  },
});
const totalMiB = Number(values['total-mib']);
const streams = Number(values.streams);
const partMiB = Number(values['part-mib']);
const modes = (values.modes ?? '').split(',').filter(Boolean);

interface Mode {
  readonly name: string;
  readonly tls: boolean;
  readonly md5: boolean;
  /** Send bodies as aws-chunked (64 KiB chunks, CRC32 trailer), as the SDK does for stream bodies. */
  readonly chunked?: boolean;
}

function modeOf(name: string): Mode {
  const known: Record<string, Mode> = {
    plain: { name: 'plain  md5=on ', tls: false, md5: true },
    'plain-nomd5': { name: 'plain  md5=off', tls: false, md5: false },
    tls: { name: 'tls    md5=on ', tls: true, md5: true },
    'tls-nomd5': { name: 'tls    md5=off', tls: true, md5: false },
    'plain-nomd5-chunked': { name: 'plain  md5=off aws-chunked', tls: false, md5: false, chunked: true },
    'tls-nomd5-chunked': { name: 'tls    md5=off aws-chunked', tls: true, md5: false, chunked: true },
  };
  const mode = known[name];
  if (!mode) throw new Error(`unknown mode ${name}; known: ${Object.keys(known).join(', ')}`);
  return mode;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

async function startSinkChild(mode: Mode): Promise<{ child: ChildProcess; endpoint: string; caFile: string | null }> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const args = ['--import', 'tsx', main, ...(mode.tls ? ['--tls'] : []), ...(mode.md5 ? [] : ['--no-md5'])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const nl = buffered.indexOf('\n');
      if (nl >= 0) resolve(buffered.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`sink exited with ${code} before listening`)));
  });
  const info = JSON.parse(line) as { endpoint: string; caFile: string | null };
  return { child, ...info };
}

interface Client {
  request(method: string, path: string, headers: Record<string, string | number>, body?: (req: http.ClientRequest) => Promise<void>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>;
  close(): void;
}

function makeClient(endpoint: string, caFile: string | null): Client {
  const url = new URL(endpoint);
  const tls = url.protocol === 'https:';
  const agent = tls
    ? new https.Agent({ keepAlive: true, maxSockets: streams + 2, ca: caFile ? readFileSync(caFile) : undefined })
    : new http.Agent({ keepAlive: true, maxSockets: streams + 2 });
  const transport = tls ? https : http;
  return {
    request: (method, path, headers, body) =>
      new Promise((resolve, reject) => {
        const req = transport.request({ method, host: url.hostname, port: url.port, path, headers, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          res.on('error', reject);
        });
        req.on('error', reject);
        if (body) body(req).then(() => req.end(), reject);
        else req.end();
      }),
    close: () => agent.destroy(),
  };
}

async function writeAll(req: http.ClientRequest, block: Buffer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!req.write(block)) await new Promise<void>((resolve) => req.once('drain', resolve));
  }
}

const CHUNK = 64 * 1024;
const CHUNK_HEADER = Buffer.from(`${CHUNK.toString(16)}\r\n`);
const CRLF = Buffer.from('\r\n');

/** aws-chunked framing of `count` blocks in 64 KiB chunks, then the CRC32 trailer. */
function chunkedLength(blockSize: number, count: number, checksum: string): number {
  const chunks = (blockSize / CHUNK) * count;
  return chunks * (CHUNK_HEADER.length + CHUNK + CRLF.length) + trailer(checksum).length;
}

function trailer(checksum: string): Buffer {
  return Buffer.from(`0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`);
}

async function writeChunked(req: http.ClientRequest, block: Buffer, count: number, checksum: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    for (let at = 0; at < block.length; at += CHUNK) {
      req.write(CHUNK_HEADER);
      req.write(block.subarray(at, at + CHUNK));
      if (!req.write(CRLF)) await new Promise<void>((resolve) => req.once('drain', resolve));
    }
  }
  req.write(trailer(checksum));
}

async function run(mode: Mode): Promise<void> {
  const sink = await startSinkChild(mode);
  const client = makeClient(sink.endpoint, sink.caFile);
  try {
    const block = randomBytes(MiB);
    // Every part is the same block repeated, so its CRC32 is computed once.
    let partCrc = 0;
    for (let i = 0; i < partMiB; i++) partCrc = crc32(block, partCrc);
    const partChecksum = crc32ToBase64(partCrc >>> 0);
    const partCount = Math.max(1, Math.round(totalMiB / partMiB));

    const created = await client.request('POST', '/measure/object.bin?uploads', { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'FULL_OBJECT' });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)?.[1];
    if (!uploadId) throw new Error(`CreateMultipartUpload failed: ${created.status} ${created.body}`);
    // Warm up the connections (TLS handshakes) outside the measured interval.
    await Promise.all(Array.from({ length: streams }, () => client.request('HEAD', '/measure', {})));

    const etags: string[] = [];
    let next = 1;
    const sinkCpu0 = cpuSeconds(sink.child.pid!);
    const clientCpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: streams }, async () => {
        for (let n = next++; n <= partCount; n = next++) {
          const path = `/measure/object.bin?partNumber=${n}&uploadId=${uploadId}`;
          const out = mode.chunked
            ? await client.request(
                'PUT',
                path,
                {
                  'Content-Length': chunkedLength(MiB, partMiB, partChecksum),
                  'Content-Encoding': 'aws-chunked',
                  'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
                  'x-amz-decoded-content-length': partMiB * MiB,
                  'x-amz-trailer': 'x-amz-checksum-crc32',
                },
                (req) => writeChunked(req, block, partMiB, partChecksum),
              )
            : await client.request('PUT', path, { 'Content-Length': partMiB * MiB, 'x-amz-checksum-crc32': partChecksum }, (req) => writeAll(req, block, partMiB));
          if (out.status !== 200) throw new Error(`UploadPart ${n}: ${out.status} ${out.body}`);
          etags[n - 1] = String(out.headers.etag);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const sinkCpu = cpuSeconds(sink.child.pid!) - sinkCpu0;
    const clientCpuUs = process.cpuUsage(clientCpu0);
    const clientCpu = (clientCpuUs.user + clientCpuUs.system) / 1e6;

    const full = crc32ToBase64(crc32OfParts(Array.from({ length: partCount }, () => ({ crc: partCrc >>> 0, size: partMiB * MiB }))));
    const parts = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag><ChecksumCRC32>${partChecksum}</ChecksumCRC32></Part>`).join('');
    const done = await client.request(
      'POST',
      `/measure/object.bin?uploadId=${uploadId}`,
      { 'x-amz-checksum-crc32': full, 'x-amz-checksum-type': 'FULL_OBJECT', 'Content-Type': 'application/xml' },
      async (req) => {
        req.write(`<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`);
      },
    );
    if (done.status !== 200) throw new Error(`Complete: ${done.status} ${done.body}`);

    const mib = partCount * partMiB;
    const rate = mib / seconds;
    const perSinkCore = sinkCpu > 0 ? mib / sinkCpu : NaN;
    console.log(
      `${mode.name.padEnd(26)}  ${mib} MiB in ${seconds.toFixed(2)} s = ${rate.toFixed(0).padStart(5)} MiB/s | ` +
        `sink CPU ${sinkCpu.toFixed(2)} s (${((sinkCpu / seconds) * 100).toFixed(0)}% of a core, ${perSinkCore.toFixed(0)} MiB per sink CPU-second) | ` +
        `client CPU ${clientCpu.toFixed(2)} s (${((clientCpu / seconds) * 100).toFixed(0)}%)`,
    );
  } finally {
    client.close();
    sink.child.kill('SIGTERM');
    await new Promise((resolve) => sink.child.once('exit', resolve));
  }
}

console.log(`S3 sink self-measurement: ${totalMiB} MiB per mode, ${streams} streams, ${partMiB} MiB parts, ${cpus().length} CPUs, node ${process.version}`);
for (const name of modes) await run(modeOf(name));
