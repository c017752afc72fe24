// Starts a throwaway Ceph RADOS Gateway (RGW) for integration tests: a real, independent S3
// implementation, unlike moto and our sink.
//
// One single-host cluster on loopback in a temp dir: one mon, one mgr, one bluestore OSD on a
// sparse file, pool size 1, auth none, and radosgw with the beast frontend on a free port. Under
// auth none radosgw fetches its config from the mon only with `ms mon client mode = crc` and
// `ms client mode = crc`. The daemons run in the foreground as our children; stop() kills them and
// removes the data dir, and an exit hook kills them if the test process dies first. A cluster left
// behind by a process killed outright (SIGKILL) is reaped by the next startRgw.
//
// `node --import tsx test/support/rgw-server.ts` starts one and prints the DOCKSIDE_RGW_* lines
// that point the tests at it instead of a fresh one (see test/support/rgw.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { answersHttp, freePort } from './moto-server.js';

/** A throwaway RGW: its endpoint and user, and how to stop it. */
export interface RgwServer extends RgwEndpoint {
  /** The cluster's temp dir (config, logs, the OSD's sparse file); removed by stop(). */
  readonly dataDir: string;
  /** How long the bring-up took, in ms (for the report; never asserted on). */
  readonly startedInMs: number;
  stop(): Promise<void>;
}

/** Where the RGW is and the S3 keys of its test user. */
export interface RgwEndpoint {
  /** http://127.0.0.1:PORT (path-style addressing). */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** RGW takes any region in the signature; the SDK needs one. */
  readonly region: string;
}

/** The endpoint given in the environment, or null; throws when it is given only in part. */
export function rgwFromEnvironment(env: NodeJS.ProcessEnv = process.env): RgwEndpoint | null {
  const endpoint = env['DOCKSIDE_RGW_ENDPOINT'];
  if (!endpoint) return null;
  const accessKeyId = env['DOCKSIDE_RGW_ACCESS_KEY_ID'];
  const secretAccessKey = env['DOCKSIDE_RGW_SECRET_ACCESS_KEY'];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('DOCKSIDE_RGW_ENDPOINT is set: set DOCKSIDE_RGW_ACCESS_KEY_ID and DOCKSIDE_RGW_SECRET_ACCESS_KEY too.');
  }
  return { endpoint, accessKeyId, secretAccessKey, region: env['DOCKSIDE_RGW_REGION'] || 'us-east-1' };
}

const BINARIES = ['monmaptool', 'ceph-authtool', 'ceph-mon', 'ceph-mgr', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'] as const;

export const RGW_INSTALL_HINT =
  'The Ceph RGW tests need Ceph (16.2 on Debian 12) installed: as root, ' +
  'apt-get install -y ceph-mon ceph-mgr ceph-osd radosgw. ' +
  'Or point the tests at a running RGW with DOCKSIDE_RGW_ENDPOINT, DOCKSIDE_RGW_ACCESS_KEY_ID and DOCKSIDE_RGW_SECRET_ACCESS_KEY.';

const DIR_PREFIX = 'dockside-rgw-';
const OWNER_FILE = 'owner.json';
const STARTUP_TIMEOUT_MS = 180_000;
const COMMAND_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 250;
const LOG_BYTES_SHOWN = 4_000;

// Daemons still alive, for the synchronous exit hook (the last chance when a run crashes).
const liveDaemons = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveDaemons) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone; nothing else can be done in an exit handler.
      }
    }
    // A daemon may still be writing for a moment after SIGKILL; what is left is reaped next time.
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  });
}

/** The binaries of BINARIES not found on PATH. */
function missingBinaries(): string[] {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d.length > 0);
  return BINARIES.filter(
    (name) =>
      !dirs.some((dir) => {
        try {
          accessSync(join(dir, name), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

interface Owner {
  readonly ownerPid: number;
  readonly daemonPids: number[];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process, or '' (Linux /proc). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Kills the daemons of clusters whose test process is gone (killed outright, so its exit hook never
 * ran) and removes their dirs. A daemon is killed by the pid recorded at its start, and only if
 * that pid still runs with that cluster's config: a pid reused since is left alone.
 */
function reapOrphans(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    let owner: Owner;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Owner;
    } catch {
      continue; // not ours, or being created right now by another process
    }
    if (isAlive(owner.ownerPid)) continue;
    for (const pid of owner.daemonPids) {
      if (commandLine(pid).includes(join(dir, 'ceph.conf'))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
# Under auth none radosgw fetches its config from the mon only with these two.
ms mon client mode = crc
ms client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# A busy shared disk must not stop the mon (it refuses to run below 5 % free by default).
mon data avail warn = 1
mon data avail crit = 0
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
mon data = ${dir}/mon/$id
mgr data = ${dir}/mgr/$id
osd data = ${dir}/osd/$id
keyring = ${dir}/keyring
osd objectstore = bluestore
# A sparse file: 10 GiB announced, only what is written is allocated.
bluestore block path = ${dir}/osd/$id.block
bluestore block create = true
bluestore block size = 10737418240
osd memory target = 939524096

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw thread pool size = 64
rgw dynamic resharding = false
`;
}

/** Runs a Ceph tool to completion; rejects with its output when it fails. */
function run(dir: string, command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { cwd: dir, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

function logTail(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > LOG_BYTES_SHOWN ? `…${text.slice(-LOG_BYTES_SHOWN)}` : text;
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Cluster {
  private readonly daemons: { name: string; child: ChildProcess; log: string; exited: Promise<void> }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(readonly dir: string) {
    liveDirs.add(dir);
  }

  private writeOwner(): void {
    const owner: Owner = { ownerPid: process.pid, daemonPids: this.daemons.flatMap((d) => (d.child.pid === undefined ? [] : [d.child.pid])) };
    writeFileSync(join(this.dir, OWNER_FILE), JSON.stringify(owner));
  }

  /** Starts a daemon in the foreground (-f), its stdout and stderr in log/NAME.out. */
  spawn(name: string, command: string, args: readonly string[]): void {
    const log = join(this.dir, 'log', `${name}.out`);
    const fd = openSync(log, 'a');
    const child = spawn(command, [...args, '-f'], { cwd: this.dir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    liveDaemons.add(child);
    void exited.then(() => liveDaemons.delete(child));
    this.daemons.push({ name, child, log, exited });
    this.writeOwner();
  }

  /** Throws, with its logs, if a daemon has exited (none should before stop()). */
  assertRunning(): void {
    for (const d of this.daemons) {
      if (d.child.exitCode !== null || d.child.signalCode !== null) {
        const daemonLog = join(this.dir, 'log', `${d.name === 'rgw' ? 'client.rgw' : d.name}.log`);
        throw new Error(
          `Ceph daemon ${d.name} exited (${d.child.exitCode ?? d.child.signalCode}) during the RGW bring-up.\n--- ${d.log} ---\n${logTail(d.log)}\n--- ${daemonLog} ---\n${logTail(daemonLog)}`,
        );
      }
    }
  }

  /** Kills every daemon (SIGKILL: the data is thrown away) and removes the dir. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const d of this.daemons) {
        if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
      }
      await Promise.all(this.daemons.map((d) => d.exited));
      rmSync(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
    })();
    return this.stopping;
  }
}

/**
 * Brings up a fresh single-host Ceph cluster with radosgw and one S3 user, and resolves once
 * radosgw answers. Throws RGW_INSTALL_HINT when Ceph is not installed.
 */
export async function startRgw(): Promise<RgwServer> {
  const missing = missingBinaries();
  if (missing.length > 0) throw new Error(`${RGW_INSTALL_HINT} (not found on PATH: ${missing.join(', ')})`);
  installExitHook();
  reapOrphans();
  const began = Date.now();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  for (const sub of ['mon/a', 'mgr/x', 'osd/0', 'run', 'log', 'rgw']) mkdirSync(join(dir, sub), { recursive: true });
  const cluster = new Cluster(dir);
  try {
    const fsid = randomUUID();
    const monPort = await freePort();
    const rgwPort = await freePort();
    const conf = join(dir, 'ceph.conf');
    writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort));
    const c = ['-c', conf];

    await run(dir, 'monmaptool', ['--create', '--add', 'a', `v2:127.0.0.1:${monPort}`, '--fsid', fsid, join(dir, 'monmap')]);
    await run(dir, 'ceph-authtool', ['--create-keyring', join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run(dir, 'ceph-mon', [...c, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap')]);
    cluster.spawn('mon', 'ceph-mon', [...c, '-i', 'a']);
    cluster.spawn('mgr', 'ceph-mgr', [...c, '-i', 'x']);
    // `ceph` waits for the mon to answer (up to --connect-timeout).
    const osdUuid = randomUUID();
    const osdId = (await run(dir, 'ceph', [...c, '--connect-timeout', '30', 'osd', 'new', osdUuid])).trim();
    if (osdId !== '0') throw new Error(`ceph osd new answered "${osdId}", expected 0`);
    await run(dir, 'ceph-osd', [...c, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
    cluster.spawn('osd', 'ceph-osd', [...c, '-i', '0']);
    // radosgw creates its pools and waits for them to be active before it listens.
    cluster.spawn('rgw', 'radosgw', [...c, '-n', 'client.rgw']);

    const deadline = began + STARTUP_TIMEOUT_MS;
    // An anonymous ListBuckets (GET /) answers 200 once radosgw serves S3.
    while (!(await answersHttp(rgwPort, '/'))) {
      cluster.assertRunning();
      if (Date.now() > deadline) {
        throw new Error(`radosgw did not answer on port ${rgwPort} within ${STARTUP_TIMEOUT_MS / 1000} s.\n${logTail(join(dir, 'log', 'client.rgw.log'))}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }

    const accessKeyId = `DOCKSIDE${randomBytes(6).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(24).toString('base64url');
    await run(dir, 'radosgw-admin', [...c, 'user', 'create', '--uid=dockside', '--display-name=Dockside tests', `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`]);
    return {
      endpoint: `http://127.0.0.1:${rgwPort}`,
      accessKeyId,
      secretAccessKey,
      region: 'us-east-1',
      dataDir: dir,
      startedInMs: Date.now() - began,
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

// Development: keep one RGW up and say how to point the tests at it.
if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const server = await startRgw();
  process.stdout.write(
    `RGW up in ${(server.startedInMs / 1000).toFixed(1)} s (data in ${server.dataDir}). For the tests:\n` +
      `export DOCKSIDE_RGW_ENDPOINT=${server.endpoint} DOCKSIDE_RGW_ACCESS_KEY_ID=${server.accessKeyId} ` +
      `DOCKSIDE_RGW_SECRET_ACCESS_KEY=${server.secretAccessKey} DOCKSIDE_RGW_REGION=${server.region}\n` +
      'Ctrl-C stops it.\n',
  );
  const shutdown = (): void => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
