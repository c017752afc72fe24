// Runs the real `dockside` CLI as a child process (node --import tsx src/main/cli/main.ts ...),
// the way `npm run dockside` does, and helps tests read what it prints.
import type { TransferRecord } from '../../../src/shared/transfer-model.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createBucket, s3ClientFor, startMoto, uniqueBucketName, type MotoServer } from '../../support/moto-server.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const MiB = 1024 * 1024;
/** How long to wait for a line or an exit before failing the test with the output so far. */
export const WAIT_MS = 30_000;

// Variables from the developer's shell that would change what the CLI does.
const SCRUBBED = [
  'DOCKSIDE_BUCKET',
  'DOCKSIDE_ENDPOINT',
  'DOCKSIDE_HOME',
  'DOCKSIDE_BACKEND_URL',
  'DOCKSIDE_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_DEFAULT_REGION',
  'NODE_OPTIONS',
];

export interface CliOptions {
  /** DOCKSIDE_HOME for the child: where its journal lives. */
  readonly home: string;
  /** Extra environment (after the scrubbing above). */
  readonly env?: Record<string, string>;
  /** What node runs (default: the sources through tsx); e.g. [bundle] for the built CLI. */
  readonly entry?: readonly string[];
}

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running CLI process whose output is collected as it arrives. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliExit>;
  private exitInfo: CliExit | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly args: readonly string[],
    options: CliOptions,
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SCRUBBED) delete env[name];
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      DOCKSIDE_HOME: options.home,
      ...options.env,
    });
    this.child = spawn(process.execPath, [...(options.entry ?? ['--import', 'tsx', 'src/main/cli/main.ts']), ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise<CliExit>((resolveExit, rejectExit) => {
      this.child.once('error', rejectExit);
      // 'close' (not 'exit') so every byte of stdout and stderr has been read.
      this.child.once('close', (code, signal) => {
        this.exitInfo = { code, signal, stdout: this.stdout, stderr: this.stderr };
        this.notify();
        resolveExit(this.exitInfo);
      });
    });
    live.add(this);
    void this.exited.finally(() => live.delete(this)).catch(() => undefined);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Every complete stdout line parsed as JSON (throws, naming the line, if one is not JSON). */
  jsonLines(): Record<string, unknown>[] {
    return parseJsonLines(this.stdout);
  }

  /**
   * The first JSON line on stdout matching `predicate` (already printed or still to come). Fails
   * with everything printed so far when none arrives within `timeoutMs` or the process ends first.
   */
  waitForJson(predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs = WAIT_MS): Promise<Record<string, unknown>> {
    return new Promise((resolveLine, rejectLine) => {
      let scanned = 0;
      const check = () => {
        const lines = this.stdout.split('\n');
        lines.pop(); // an incomplete last line is looked at once it is complete
        for (; scanned < lines.length; scanned++) {
          const text = lines[scanned]!.trim();
          if (text === '') continue;
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            continue;
          }
          if (typeof value === 'object' && value !== null && predicate(value as Record<string, unknown>)) {
            finish();
            resolveLine(value as Record<string, unknown>);
            return;
          }
        }
        if (this.exitInfo) {
          finish();
          rejectLine(new Error(`dockside ${this.args.join(' ')} ended (${this.describeExit()}) before printing ${what}.\n${this.transcript()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        rejectLine(new Error(`No ${what} from dockside ${this.args.join(' ')} within ${timeoutMs / 1000} s.\n${this.transcript()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves when the process has ended; fails with its output if that takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs = WAIT_MS * 2): Promise<CliExit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, rejectExit) => {
      timer = setTimeout(
        () => rejectExit(new Error(`dockside ${this.args.join(' ')} did not exit within ${timeoutMs / 1000} s.\n${this.transcript()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` and waits for the process to end (and be reaped). */
  async kill(signal: NodeJS.Signals): Promise<CliExit> {
    this.child.kill(signal);
    return this.waitForExit();
  }

  transcript(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  private describeExit(): string {
    const info = this.exitInfo;
    if (!info) return 'still running';
    return info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

const live = new Set<CliProcess>();

/** SIGKILLs every CLI process a test left running (call from afterEach / afterAll). */
export async function killLeftovers(): Promise<void> {
  const left = [...live];
  for (const cli of left) cli.child.kill('SIGKILL');
  await Promise.all(left.map((cli) => cli.exited.catch(() => undefined)));
}

/** Starts `dockside ARGS...`. */
export function startCli(args: readonly string[], options: CliOptions): CliProcess {
  return new CliProcess(args, options);
}

/** Runs `dockside ARGS...` to the end. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliExit> {
  return startCli(args, options).waitForExit();
}

/** Parses JSON lines; a line that is not JSON is an error naming it. */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`stdout line is not JSON: ${JSON.stringify(line)}\n--- stdout ---\n${text}`);
      }
    });
}

/** The subset of a journaled transfer that `ls --json` prints and the tests look at. */
export type ListedTransfer = Pick<
  TransferRecord,
  'id' | 'filePath' | 'state' | 'partsDone' | 'partCount' | 'bytesDone' | 'fileSize' | 'uploadId' | 'errorCode'
>;

/** `dockside ls --json`, which must succeed. */
export async function listTransfers(home: string): Promise<ListedTransfer[]> {
  const result = await runCli(['ls', '--json'], { home });
  if (result.code !== 0) throw new Error(`dockside ls --json exited ${result.code}\n${result.stderr}`);
  return JSON.parse(result.stdout) as ListedTransfer[];
}

/** The one transfer with this id, per `ls --json`. */
export async function getTransfer(home: string, id: string): Promise<ListedTransfer> {
  const found = (await listTransfers(home)).find((t) => t.id === id);
  if (!found) throw new Error(`transfer ${id} is not in \`dockside ls --json\``);
  return found;
}

/** A fresh folder, removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `dockside-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The journal file the CLI uses for a DOCKSIDE_HOME. */
export function journalFile(home: string): string {
  return join(home, 'journal.sqlite');
}

export function journalExists(home: string): boolean {
  return existsSync(journalFile(home));
}

/** Writes `size` random bytes to `path` and returns them. */
export function writeRandomFile(path: string, size: number): Buffer {
  const data = randomBytes(size);
  writeFileSync(path, data);
  return data;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The object's bytes as moto has them. */
export async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** Multipart uploads still open in the bucket. */
export async function openUploads(s3: S3Client, bucket: string): Promise<string[]> {
  const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (listed.Uploads ?? []).map((u) => `${u.Key ?? '?'}:${u.UploadId ?? '?'}`);
}

/** A progress line of the given transfer with at least `parts` parts journaled. */
export function progressWith(transferId: string, parts: number): (line: Record<string, unknown>) => boolean {
  return (line) => line.type === 'progress' && line.transferId === transferId && typeof line.partsDone === 'number' && line.partsDone >= parts;
}

export interface CliStack {
  /** moto_server for this test file. */
  moto: MotoServer;
  /** An S3 client talking straight to moto (to check what the CLI did). */
  s3: S3Client;
  /** A scratch folder for files and DOCKSIDE_HOMEs, removed after the file. */
  scratch: { path: string; remove: () => void };
  /** A fresh folder for one test (`dir`, with a DOCKSIDE_HOME in it) and a fresh bucket on moto. */
  fixture(name: string): Promise<{ dir: string; home: string; bucket: string }>;
}

/** Registers hooks that start moto and a scratch folder for a CLI test file, and stop stray CLIs. */
export function useCliStack(prefix: string): CliStack {
  const stack = {
    async fixture(name: string) {
      const dir = join(stack.scratch.path, `${name}-${Math.random().toString(36).slice(2, 8)}`);
      const home = join(dir, 'home');
      mkdirSync(home, { recursive: true });
      const bucket = uniqueBucketName(name);
      await createBucket(stack.moto.endpoint, bucket);
      return { dir, home, bucket };
    },
  } as CliStack;
  beforeAll(async () => {
    stack.moto = await startMoto();
    stack.s3 = s3ClientFor(stack.moto.endpoint);
    stack.scratch = tempDir(prefix);
  });
  afterEach(killLeftovers);
  afterAll(async () => {
    await killLeftovers();
    stack.s3?.destroy();
    await stack.moto?.stop();
    stack.scratch?.remove();
  });
  return stack;
}
