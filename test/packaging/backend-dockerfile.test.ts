// backend/Dockerfile: a build stage that bundles the backend, and a Node 24 runtime stage with the
// bundle only: non-root numeric user, a HEALTHCHECK on /healthz with Node's fetch (the same command
// as the ECS task's), EXPOSE of the port the backend listens on, SIGTERM to node as PID 1 in exec
// form, and no tsx, npm or node_modules at run time. The files the build stage copies exist and
// the repository's .dockerignore lets them into the context.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCKSIDE_SERVICE_TEMPLATE_PATH } from '../../backend/src/aws/stack-deployer.js';
import { BACKEND_BUNDLES } from '../../scripts/build-backend.js';
import { inContext, readDockerfile, readDockerignore, type Instruction, type Stage } from '../support/dockerfile.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const dockerfile = readDockerfile(join(REPO_ROOT, 'backend', 'Dockerfile'));
const ignore = readDockerignore(join(REPO_ROOT, '.dockerignore'));
const runtime = dockerfile.stages.at(-1)!;
const build = dockerfile.stages[0]!;
const all = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string): Instruction => {
  const found = all(stage, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!;
};
const NODE_24 = /^(docker\.io\/(library\/)?)?node:24(\.\d+){0,2}-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/;

describe('backend/Dockerfile', () => {
  it('builds in one stage and runs on an official Node 24 slim image in another, the Node runtimes.json names', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const stage of dockerfile.stages) expect(stage.from).toMatch(NODE_24);
    const { node } = JSON.parse(readFileSync(join(REPO_ROOT, 'runtimes.json'), 'utf8')) as { node: { version: string } };
    for (const stage of dockerfile.stages) expect(stage.from).toContain(`node:${node.version}-`);
    expect(all(build, 'RUN').map((r) => r.args)).toEqual(['npm ci --ignore-scripts --no-audit --no-fund', 'npm run build:backend']);
  });

  it("runs the project's own build script, which `npm run build` runs too", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['build:backend']).toBe('node --import tsx scripts/build-backend.ts');
    expect(scripts['build']!.split('&&').map((s) => s.trim())).toContain('npm run build:backend');
  });

  it('runs as a numeric non-root user', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = users.at(-1)!.args.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(gid === undefined || (/^\d+$/.test(gid) && Number(gid) > 0)).toBe(true);
  });

  it('carries the bundle only: copied from the build stage, nothing installed, no tsx, node as PID 1 in exec form', () => {
    expect(all(runtime, 'RUN')).toEqual([]);
    const copies = all(runtime, 'COPY');
    expect(copies.map((c) => c.args)).toEqual(['--from=build /src/dist/backend/ /app/']);
    const entrypoint = one(runtime, 'ENTRYPOINT').exec;
    expect(entrypoint).toEqual(['node', '--enable-source-maps', `/app/${BACKEND_BUNDLES.main}`]);
    expect(all(runtime, 'CMD')).toEqual([]);
    for (const instruction of runtime.instructions) expect(instruction.args).not.toMatch(/\btsx\b|node_modules/);
    expect(one(runtime, 'STOPSIGNAL').args).toBe('SIGTERM');
  });

  it('listens on all interfaces on the port it exposes, and health-checks /healthz with the command the ECS tasks use', () => {
    const env = all(runtime, 'ENV').map((e) => e.args).join(' ');
    expect(env).toMatch(/\bDOCKSIDE_HOST=0\.0\.0\.0\b/);
    const port = /\bDOCKSIDE_PORT=(\d+)\b/.exec(env)?.[1];
    expect(one(runtime, 'EXPOSE').args).toBe(port);
    const health = one(runtime, 'HEALTHCHECK').args;
    const cmd = /\bCMD\s+(\[.*\])$/.exec(health)?.[1];
    const command = JSON.parse(cmd!) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain("'/healthz'");
    expect(command[2]).toContain('process.env.DOCKSIDE_PORT');
    // The ECS task definition checks the container with the very same command.
    const template = (JSON.parse(readFileSync(DOCKSIDE_SERVICE_TEMPLATE_PATH, 'utf8')) as { Resources: Record<string, { Properties: { ContainerDefinitions?: { HealthCheck: { Command: string[] } }[] } }> }).Resources;
    for (const td of ['ApiTaskDefinition', 'WorkerTaskDefinition']) {
      expect(template[td]!.Properties.ContainerDefinitions![0]!.HealthCheck.Command).toEqual(['CMD', ...command]);
    }
  });

  it("copies files that exist and that .dockerignore lets into the context; node_modules and .git stay out", () => {
    const sources = all(build, 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1)).filter((s) => !s.startsWith('--'));
    expect(sources).toEqual(['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build-backend.ts', 'src/shared/', 'backend/src/']);
    for (const source of sources) {
      expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
      expect(inContext(ignore, source.replace(/\/$/, '')), source).toBe(true);
      if (source.endsWith('/')) expect(inContext(ignore, `${source}x.ts`), source).toBe(true);
    }
    for (const excluded of ['node_modules', 'node_modules/fastify/package.json', '.git', 'dist/backend/main.mjs', 'test/backend/config.test.ts', 'src/main/cli/main.ts', '.dockside-local/stack.env']) {
      expect(inContext(ignore, excluded), excluded).toBe(false);
    }
  });
});

