/**
 * Runs one command and measures what the bench reports for every tool: wall time, user+sys CPU
 * seconds (of the process and everything it waited for, via /usr/bin/time) and the peak RSS of
 * the whole process tree (sampled from /proc, since a tool may fork helpers).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Measurement {
  readonly exitCode: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with each stdout line as it arrives (for tools that report progress). */
  readonly onLine?: (line: string) => void;
  readonly timeoutMs?: number;
}

const TIME_MARK = '__bench_time__';

/** User+sys CPU seconds this process (every thread of it) has used since `start` (a process.cpuUsage()). */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Runs `command args` under /usr/bin/time and samples its process tree's RSS every 50 ms. */
export function measure(command: string, args: readonly string[], options: RunOptions = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', `${TIME_MARK} %U %S`, command, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    if (options.onLine) createInterface({ input: child.stdout }).on('line', options.onLine);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let peakKiB = 0;
    const sampler = setInterval(() => {
      if (child.pid !== undefined) peakKiB = Math.max(peakKiB, treeRssKiB(child.pid));
    }, 50);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      if (timer) clearTimeout(timer);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const mark = stderr.split('\n').find((l) => l.startsWith(TIME_MARK));
      const [, user, sys] = mark?.split(' ') ?? [];
      resolve({
        exitCode: code ?? 1,
        wallSeconds,
        cpuSeconds: Number(user ?? 0) + Number(sys ?? 0),
        // /usr/bin/time itself is a few hundred KiB; it is part of the tree but negligible.
        peakRssMiB: peakKiB / 1024,
        stdout,
        stderr: stderr.split('\n').filter((l) => !l.startsWith(TIME_MARK)).join('\n'),
      });
    });
  });
}

/**
 * Sum of VmRSS over `pid` and all its descendants, in KiB.
 *
 * The sampler runs every 50 ms on the bench's thread, which is also the sink's: it must be cheap,
 * or it slows the sink under the tools it measures (and not under the raw PUT that sets the
 * limit). Walking every /proc entry took 1.5 ms per sample here; following the tree through
 * /proc/PID/task/TID/children reads a few small files instead. Where the kernel lacks those files
 * (CONFIG_PROC_CHILDREN), the full walk is the fallback.
 */
export function treeRssKiB(pid: number): number {
  const children = childrenReader();
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    total += rssOf(p);
    stack.push(...children(p));
  }
  return total;
}

function childrenReader(): (pid: number) => number[] {
  if (existsSync(`/proc/${process.pid}/task/${process.pid}/children`)) {
    return (pid) => {
      try {
        return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
          readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
            .split(' ')
            .filter((id) => id.trim() !== '')
            .map(Number),
        );
      } catch {
        return []; // the process is gone
      }
    };
  }
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return (pid) => children.get(pid) ?? [];
}

function parentOf(pid: number): number | null {
  try {
    // Field 4 of /proc/PID/stat, after the parenthesised command (which may contain spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return null;
  }
}

function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
