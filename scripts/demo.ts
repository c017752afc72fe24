// `npm run demo`: the main job on an embedded default. Starts a local S3 stand-in (moto_server),
// creates a bucket, uploads a 256 MiB file with the `dockside` CLI (progress bar and all),
// verifies the object byte for byte, and shows the transfer list and log. Leaves nothing running.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBucket, startMoto } from '../test/support/moto-server.js';
import { getObject } from '../test/support/engine-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SIZE = Number(process.env.DEMO_SIZE_MIB ?? 256) * 1024 * 1024;
const root = resolve(import.meta.dirname, '..');
const work = join(root, '.dockside-demo');
const file = join(work, `demo-${SIZE / 1024 / 1024}MiB.bin`);
const home = join(work, 'home');
const bucket = 'dockside-demo';

function say(line: string): void {
  process.stdout.write(`\n\x1b[1m== ${line}\x1b[0m\n`);
}

function dockside(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main/cli/main.ts'), ...args], { cwd: root, env, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) => done(code ?? 1));
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

say('Starting a local S3 stand-in (moto_server) on a free loopback port');
const moto = await startMoto();
let code = 1;
try {
  await createBucket(moto.endpoint, bucket);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
    AWS_REGION: 'us-east-1',
    DOCKSIDE_HOME: home,
  };
  say(`dockside upload ${file} --bucket ${bucket} --endpoint ${moto.endpoint}`);
  code = await dockside(['upload', file, '--bucket', bucket, '--endpoint', moto.endpoint], env);
  if (code !== 0) throw new Error(`dockside upload exited with ${code}`);

  say('Checking the object in S3 against the file');
  const [local, remote] = await Promise.all([sha256File(file), getObject(moto.endpoint, bucket, file.split('/').pop()!)]);
  const remoteHash = createHash('sha256').update(remote).digest('hex');
  if (remoteHash !== local) throw new Error(`object differs from the file (${remoteHash} vs ${local})`);
  process.stdout.write(`sha256 ${local}: the object is byte-identical to the file\n`);

  say('dockside ls');
  await dockside(['ls'], env);
  say('dockside log');
  await dockside(['log'], env);
  say('Done. The journal is in .dockside-demo/home; moto is stopped.');
} catch (error) {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  code = code || 1;
} finally {
  await moto.stop();
}
process.exit(code);
