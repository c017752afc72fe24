/**
 * Goodput on a bandwidth-limited link: a veth pair between this namespace and one the bench makes
 * (`ip netns`), shaped with `tc … tbf` in the upload direction, and the sink running in the other
 * namespace. Needs root and iproute2; where namespaces cannot be made it says so and is skipped.
 * Addresses are on the veth pair only, inside namespaces this run created.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { docksideArgs } from './dockside-cli.js';

const ROOT = resolve(import.meta.dirname, '..');
const NS = 'dockside-bench-sink';
const HOST_IF = 'dsb-host';
const SINK_IF = 'dsb-sink';
const HOST_IP = '10.203.77.1';
const SINK_IP = '10.203.77.2';

export interface ShapedFigures {
  readonly rateMbit: number;
  readonly configuredMiBs: number;
  readonly fileMiB: number;
  readonly goodputMiBs: number;
  /** The veth pair's MTU. */
  readonly mtu: number;
  /**
   * The most a TCP stream can carry as a share of the shaped rate: tbf counts every frame's
   * Ethernet + IPv4 + TCP (with timestamps) headers, so at MTU 1500 payload is at most 1448 of
   * every 1514 bytes (95.6 %).
   */
  readonly ceilingPercent: number;
  /** Goodput as a share of that ceiling: what the client leaves on the table. */
  readonly percentOfCeiling: number;
  readonly percentOfRate: number;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes the namespace and the shaped veth pair; returns a function that removes them. */
export function makeShapedLink(rateMbit: number, mtu = 1500): () => void {
  const teardown = () => {
    try {
      ip('netns', 'del', NS);
    } catch {
      /* already gone */
    }
    try {
      ip('link', 'del', HOST_IF);
    } catch {
      /* deleted with the namespace */
    }
  };
  teardown();
  try {
    ip('netns', 'add', NS);
    ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', SINK_IF);
    ip('link', 'set', SINK_IF, 'netns', NS);
    ip('addr', 'add', `${HOST_IP}/30`, 'dev', HOST_IF);
    ip('link', 'set', HOST_IF, 'mtu', String(mtu), 'up');
    ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${SINK_IP}/30`, 'dev', SINK_IF);
    ip('netns', 'exec', NS, 'ip', 'link', 'set', SINK_IF, 'mtu', String(mtu), 'up');
    ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    // Token bucket in the upload direction: burst of 64 KiB, at most 50 ms of queue.
    execFileSync('tc', ['qdisc', 'add', 'dev', HOST_IF, 'root', 'tbf', 'rate', `${rateMbit}mbit`, 'burst', '64kb', 'latency', '50ms'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    teardown();
    throw new Error(`cannot make a shaped network namespace here (${(error as Error).message.split('\n')[0]}); needs root and iproute2`);
  }
  return teardown;
}

/** Starts the sink inside the namespace; resolves with its endpoint and a stop function. */
export function startSinkInNamespace(): Promise<{ endpoint: string; stop: () => void }> {
  return new Promise((done, fail) => {
    const child: ChildProcess = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', resolve(ROOT, 'bench/sink/main.ts'), '--host', SINK_IP, '--port', '9080', '--no-md5', '--trust-content-md5'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) {
        const { endpoint } = JSON.parse(line) as { endpoint: string };
        done({ endpoint, stop: () => child.kill('SIGTERM') });
      }
    });
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`sink in namespace exited ${code}`)));
  });
}

/** Uploads `file` with Dockside over the shaped link; goodput counts from the transfer's announcement (before any byte moves) to its result. */
export async function measureShapedGoodput(options: { file: string; fileMiB: number; rateMbit: number; mtu?: number; concurrency: number; partSizeMiB: number; home: string }): Promise<ShapedFigures> {
  const mtu = options.mtu ?? 1500;
  const teardown = makeShapedLink(options.rateMbit, mtu);
  let stopSink = () => {};
  try {
    const sink = await startSinkInNamespace();
    stopSink = sink.stop;
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1', DOCKSIDE_HOME: options.home };
    await createBucketRaw(`${sink.endpoint}/dockside-bench`);
    const seconds = await new Promise<number>((done, fail) => {
      const child = spawn(
        process.execPath,
        docksideArgs(['upload', options.file, '--bucket', 'dockside-bench', '--key', 'shaped.bin', '--endpoint', sink.endpoint, '--part-size', `${options.partSizeMiB}MiB`, '--concurrency', String(options.concurrency), '--json']),
        { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let first: bigint | null = null;
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (first === null && line.includes('"type":"transfer"')) first = process.hrtime.bigint();
        if (line.includes('"type":"result"') && first !== null) {
          if (!line.includes('"status":"completed"')) fail(new Error(`upload over the shaped link failed: ${line}`));
          else done(Number(process.hrtime.bigint() - first) / 1e9);
        }
      });
      child.on('exit', (code) => code !== 0 && fail(new Error(`dockside exited ${code}`)));
    });
    const configuredMiBs = (options.rateMbit * 1e6) / 8 / 2 ** 20;
    const goodputMiBs = options.fileMiB / seconds;
    const percentOfRate = (goodputMiBs / configuredMiBs) * 100;
    const ceilingPercent = tcpPayloadCeilingPercent(mtu);
    return { rateMbit: options.rateMbit, configuredMiBs, fileMiB: options.fileMiB, goodputMiBs, percentOfRate, mtu, ceilingPercent, percentOfCeiling: (percentOfRate / ceilingPercent) * 100 };
  } finally {
    stopSink();
    teardown();
  }
}

/** TCP payload per frame as a share of what tbf counts: MTU minus IPv4 (20), TCP (20) and timestamps (12), over MTU plus Ethernet (14). */
export function tcpPayloadCeilingPercent(mtu: number): number {
  return ((mtu - 52) / (mtu + 14)) * 100;
}

/** CreateBucket as a bare PUT (the sink accepts any signature). */
function createBucketRaw(url: string): Promise<void> {
  return new Promise((done, fail) => {
    const request = http.request(url, { method: 'PUT', headers: { 'content-length': 0 } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? done() : fail(new Error(`CreateBucket answered ${res.statusCode}`))));
    });
    request.on('error', fail);
    request.end();
  });
}
