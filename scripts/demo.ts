// `npm run demo`: the main job on an embedded default. Starts the local stack (moto_server with
// the Dockside template deployed on it, and the backend with its promotion and cleanup jobs),
// signs in, uploads a 256 MiB file through the backend with the `dockside` CLI (progress bar and
// all), follows it until the promotion worker has made it `available` in the permanent bucket,
// verifies that copy byte for byte, and shows the transfer list and log. Leaves nothing running.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getObject } from '../test/support/engine-harness.js';
import { startLocalStack } from './local-stack.js';

const SIZE = Number(process.env.DEMO_SIZE_MIB ?? 256) * 1024 * 1024;
const root = resolve(import.meta.dirname, '..');
const work = join(root, '.dockside-demo');
const file = join(work, `demo-${SIZE / 1024 / 1024}MiB.bin`);
const home = join(work, 'home');

function say(line: string): void {
  process.stdout.write(`\n\x1b[1m== ${line}\x1b[0m\n`);
}

function dockside(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main/cli/main.ts'), ...args], {
      cwd: root,
      env,
      stdio: [stdin === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'],
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    child.on('error', fail);
    child.on('exit', (code) => done(code ?? 1));
  });
}

/** Runs dockside and returns its stdout. */
function capture(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main/cli/main.ts'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done(out) : fail(new Error(`dockside ${args.join(' ')} exited with ${code}`))));
  });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

mkdirSync(work, { recursive: true });
if (!existsSync(file) || statSync(file).size !== SIZE) {
  say(`Writing a ${SIZE / 1024 / 1024} MiB file of random bytes to ${file}`);
  const chunk = 16 * 1024 * 1024;
  writeFileSync(file, Buffer.alloc(0));
  for (let offset = 0; offset < SIZE; offset += chunk) writeFileSync(file, randomBytes(Math.min(chunk, SIZE - offset)), { flag: 'a' });
}
rmSync(home, { recursive: true, force: true });

say('Starting the local stack: moto_server, the Dockside template deployed on it, the backend and its jobs');
const local = await startLocalStack({ dir: join(work, 'stack'), backendEnv: { DOCKSIDE_LOG_LEVEL: 'warn' } });
let code = 1;
try {
  // Only what a staff member has: the backend's address and a sign-in token. No AWS keys.
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKSIDE_HOME: home };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'DOCKSIDE_BACKEND_URL', 'DOCKSIDE_TOKEN']) delete env[name];
  say(`dockside login --backend ${local.backendUrls[0]}   (the development token, on stdin)`);
  code = await dockside(['login', '--backend', local.backendUrls[0]!], env, `${local.token}\n`);
  if (code !== 0) throw new Error(`dockside login exited with ${code}`);

  say(`dockside upload ${file}`);
  code = await dockside(['upload', file], env);
  if (code !== 0) throw new Error(`dockside upload exited with ${code}`);

  say('dockside status   (until the promotion worker has moved the file to the permanent bucket)');
  let view: { status: string; available: { bucket: string; key: string } | null } = { status: 'uploading', available: null };
  for (let i = 0; i < 240 && view.status !== 'available'; i++) {
    const out = await capture(['status', '--json'], env);
    view = (JSON.parse(out) as (typeof view)[])[0]!;
    if (view.status === 'failed') throw new Error('the backend reports the upload failed; see `dockside status`');
    if (view.status !== 'available') await new Promise((r) => setTimeout(r, 500));
  }
  await dockside(['status'], env);
  if (!view.available) throw new Error(`the upload is ${view.status}, not available, after two minutes`);

  say('Checking the permanent copy against the file');
  const [localHash, remote] = await Promise.all([sha256File(file), getObject(local.motoEndpoint, view.available.bucket, view.available.key)]);
  const remoteHash = createHash('sha256').update(remote).digest('hex');
  if (remoteHash !== localHash) throw new Error(`the permanent copy differs from the file (${remoteHash} vs ${localHash})`);
  process.stdout.write(`sha256 ${localHash}: s3://${view.available.bucket}/${view.available.key} is byte-identical to the file\n`);

  say('dockside ls');
  await dockside(['ls'], env);
  say('dockside log');
  await dockside(['log'], env);
  say('Done. The journal is in .dockside-demo/home; the local stack is stopped. `npm run local` keeps one running.');
  code = 0;
} catch (error) {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  code = code || 1;
} finally {
  await local.stop();
}
process.exit(code);
