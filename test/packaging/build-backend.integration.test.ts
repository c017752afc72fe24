// The built backend (npm run build:backend) is the artifact the image carries: one ES module per
// entry point that imports nothing but Node's builtins, and runs from a folder where neither tsx
// nor any node_modules can be found, with no loader and no NODE_OPTIONS, against the template
// deployed on moto: it answers /healthz and /readyz, signs a static-token user in, vends scoped
// credentials through STS, and stops cleanly on SIGTERM. As the image runs it too: UID 10001 on a
// read-only root filesystem (a private mount namespace with / remounted read-only; needs root,
// as these machines' test runs have), where the Dockerfile's own HEALTHCHECK command passes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployStack, toBackendEnv, type DocksideStack } from '../../backend/src/aws/stack-deployer.js';
import { createStaticToken } from '../../backend/src/config.js';
import { buildBackend, type BuiltBackend } from '../../scripts/build-backend.js';
import { bundleTarget } from '../../scripts/bundle-target.js';
import { readDockerfile } from '../support/dockerfile.js';
import { freePort, startMoto, type MotoServer } from '../support/moto-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const isRoot = process.getuid?.() === 0;
/** The image's user (backend/Dockerfile's USER). */
const IMAGE_USER = readDockerfile(join(ROOT, 'backend', 'Dockerfile')).stages.at(-1)!.instructions.filter((i) => i.keyword === 'USER').at(-1)!.args;

const CREDENTIALS = { accessKeyId: 'bundle-test', secretAccessKey: 'bundle-test' };

let dir: string;
let built: BuiltBackend;
let moto: MotoServer;
let stack: DocksideStack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // Outside the repository: nothing above it has a node_modules.
  dir = mkdtempSync(join(tmpdir(), 'dockside-backend-bundle-'));
  // Readable by the image's user, as /app is; writable by nobody but root.
  chmodSync(dir, 0o755);
  [built, moto] = await Promise.all([buildBackend(join(dir, 'app')), startMoto()]);
  stack = await deployStack({ stackName: 'bundle-test', region: 'us-east-1', endpoint: moto.endpoint, credentials: CREDENTIALS });
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Only what a bare `node` gives: no NODE_OPTIONS, no loader, no inherited npm variables. */
function bareEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...extra };
}

function run(file: string, args: string[], env: Record<string, string>, wrapper: string[] = []): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const command = [...wrapper, process.execPath, file, ...args];
  const child = spawn(command[0]!, command.slice(1), { cwd: join(dir, 'app'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<Response> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bundle exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return response;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The backend's environment for the deployed stack, a static token, and a free port. */
async function backendEnv(): Promise<{ env: Record<string, string>; token: string; port: number }> {
  const port = await freePort();
  const { token, entry } = createStaticToken('bundle-user');
  const env = bareEnv({
    ...toBackendEnv(stack, { cleanupMaxAgeHours: 72 }),
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    DOCKSIDE_STATIC_TOKENS: JSON.stringify([entry]),
    DOCKSIDE_HOST: '127.0.0.1',
    DOCKSIDE_PORT: String(port),
  });
  return { env, token, port };
}

/** backend/Dockerfile's HEALTHCHECK command (exec form), with this machine's node. */
function healthcheckCommand(): string[] {
  const health = readDockerfile(join(ROOT, 'backend', 'Dockerfile')).stages.at(-1)!.instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args;
  const command = JSON.parse(/\bCMD\s+(\[.*\])$/.exec(health)![1]!) as string[];
  expect(command[0]).toBe('node');
  return [process.execPath, ...command.slice(1)];
}

describe('the built backend', () => {
  it('is one module per entry point, importing only Node builtins, with source maps back to the TypeScript', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect(built.runtimeImports).toContain('node:http');
    expect(built.runtimeImports.filter((m) => !builtins.has(m))).toEqual([]);
    for (const file of [built.main, built.migrateOwners]) {
      const code = readFileSync(file, 'utf8');
      // The bundle's own import statements (at the start of a line; comments quote import() too).
      const imported = [...code.matchAll(/^import\s+(?:[\w*{}\s,$]+\s+from\s+)?["']([^"']+)["']/gm)].map((m) => m[1]!);
      expect(imported.length, file).toBeGreaterThan(0);
      expect(imported.filter((s) => !builtins.has(s)), file).toEqual([]);
      expect(code).not.toMatch(/\b(?:import|require)\(\s*["']tsx(?:\/[^"']*)?["']/);
      const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
      expect(map.sources.some((s) => s.endsWith('backend/src/config.ts'))).toBe(true);
    }
  });

  it("targets package.json's engines floor", () => {
    const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(bundleTarget()).toBe(`node${engines.node.replace(/^>=\s*/, '')}`);
  });

  it("is made only of files in the image's build context (backend/src and src/shared)", () => {
    expect(built.sources).toContain('backend/src/main.ts');
    expect(built.sources).toContain('backend/src/migrate-owners.ts');
    expect(built.sources.filter((s) => !s.startsWith('backend/src/') && !s.startsWith('src/shared/'))).toEqual([]);
  });

  it('runs where tsx cannot be resolved, answers /healthz and /readyz, vends credentials, and stops on SIGTERM', async () => {
    expect(() => createRequire(join(dir, 'app', 'x.js')).resolve('tsx')).toThrow();
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const { env, token, port } = await backendEnv();
    const backend = run(built.main, [], env);
    const url = `http://127.0.0.1:${port}`;

    const health = await waitFor(`${url}/healthz`, backend.child, backend.output);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await waitFor(`${url}/readyz`, backend.child, backend.output);
    expect(await ready.json()).toEqual({ status: 'ready' });
    // @fastify/swagger builds the document at run time from the bundled schemas.
    const openapi = await fetch(`${url}/v1/openapi.json`);
    expect(((await openapi.json()) as { openapi: string }).openapi).toBe('3.1.0');

    const created = await fetch(`${url}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: 'bundle.bin', size: 1024, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' } }),
    });
    expect(created.status, backend.output()).toBe(201);
    const body = (await created.json()) as { target: { bucket: string; key: string }; credentials: { sessionToken: string } };
    expect(body.target.bucket).toBe(stack.dockBucket);
    expect(body.credentials.sessionToken.length).toBeGreaterThan(0);

    backend.child.kill('SIGTERM');
    expect(await backend.exited, backend.output()).toBe(0);
    expect(backend.output()).toContain('"msg":"stopped"');
  });

  it.skipIf(!isRoot)(`runs as the image does: as ${IMAGE_USER}, on a read-only root filesystem, and the Dockerfile's HEALTHCHECK passes`, async () => {
    const [uid, gid] = IMAGE_USER.split(':');
    const { env, port } = await backendEnv();
    // A private mount namespace: / read-only there only; then the image's user, no groups.
    const wrapper = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -o remount,bind,ro / && exec "$@"', 'sh', 'setpriv', `--reuid=${uid}`, `--regid=${gid ?? uid}`, '--clear-groups'];
    const probe = spawnSync(wrapper[0]!, [...wrapper.slice(1), 'sh', '-c', `id -u; touch ${join(dir, 'probe')} 2>/dev/null && echo writable || echo read-only; touch /tmp/dockside-ro-probe-${process.pid} 2>/dev/null && echo tmp-writable || echo tmp-read-only`], { encoding: 'utf8' });
    expect(probe.stdout.trim().split('\n'), probe.stderr).toEqual([uid, 'read-only', 'tmp-read-only']);

    const backend = run(built.main, [], env, wrapper);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}/readyz`, backend.child, backend.output);
    const health = healthcheckCommand();
    const check = spawnSync(health[0]!, health.slice(1), { env: { PATH: env.PATH!, DOCKSIDE_PORT: String(port) }, encoding: 'utf8', timeout: 10_000 });
    expect(check.status, check.stderr).toBe(0);
    backend.child.kill('SIGTERM');
    expect(await backend.exited, backend.output()).toBe(0);
    expect(backend.output()).not.toMatch(/EROFS|EACCES/);
    // Nothing listening: the same check fails.
    const after = spawnSync(health[0]!, health.slice(1), { env: { PATH: env.PATH!, DOCKSIDE_PORT: String(port) }, encoding: 'utf8', timeout: 10_000 });
    expect(after.status).toBe(1);
  });

  it('builds migrate-owners too, which runs on its own and checks its arguments', async () => {
    const noConfig = run(built.migrateOwners, ['--legacy', 'static'], bareEnv({}));
    expect(await noConfig.exited).toBe(78);
    expect(noConfig.output()).toContain('migrate-owners: Invalid backend configuration');

    const { entry } = createStaticToken('bundle-user');
    const noLegacy = run(built.migrateOwners, [], bareEnv({ ...toBackendEnv(stack, { cleanupMaxAgeHours: 72 }), DOCKSIDE_STATIC_TOKENS: JSON.stringify([entry]) }));
    expect(await noLegacy.exited).toBe(64);
    expect(noLegacy.output()).toContain('usage: npm run migrate-owners');
  });
});
