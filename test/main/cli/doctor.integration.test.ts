/** `dockside doctor` as a child process: JSON report, exit codes, the saved report. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoServer } from '../../support/moto-server.js';
import { sendJson, startLocalHttp, type LocalHttp } from '../../support/local-http.js';
import { startProxy, type LocalProxy } from '../net/net-fixtures.js';
import { runCli } from './run-cli.js';

let moto: MotoServer;
let backend: LocalHttp;
let proxy: LocalProxy;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'dockside-cli-doctor-'));
  [moto, backend, proxy] = await Promise.all([startMoto(), startLocalHttp(), startProxy()]);
  backend.handle((req, res) =>
    req.headers.authorization === 'Bearer good-token' ? sendJson(res, 200, { uploads: [], nextCursor: null }) : sendJson(res, 401, { error: { code: 'UNAUTHORIZED', message: 'no' } }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), backend?.close(), proxy?.close()]);
  rmSync(home, { recursive: true, force: true });
});

describe('dockside doctor', () => {
  it('exits 0 with every check passing through the proxy, prints JSON and saves it', async () => {
    const out = await runCli(['doctor', '--json'], {
      home,
      env: { DOCKSIDE_ENDPOINT: moto.endpoint, DOCKSIDE_BACKEND_URL: backend.url, DOCKSIDE_TOKEN: 'good-token', HTTP_PROXY: proxy.url },
    });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as { at: number; checks: { name: string; status: string }[] };
    expect(report.checks.every((c) => c.status !== 'fail')).toBe(true);
    expect(JSON.parse(readFileSync(join(home, 'doctor-last.json'), 'utf8'))).toEqual(report);
    expect(proxy.connects).toContain(new URL(backend.url).host);
    expect(proxy.connects).toContain(new URL(moto.endpoint).host);
  });

  it('goes through the proxy the machine-wide policy names, with no proxy in the environment', async () => {
    const policyProxy = await startProxy();
    try {
      const policy = join(home, 'policy.json');
      writeFileSync(policy, JSON.stringify({ proxy: { url: policyProxy.url } }));
      const out = await runCli(['doctor', '--json'], {
        home,
        env: { DOCKSIDE_ENDPOINT: moto.endpoint, DOCKSIDE_BACKEND_URL: backend.url, DOCKSIDE_TOKEN: 'good-token', DOCKSIDE_POLICY_FILE: policy, HTTP_PROXY: '', HTTPS_PROXY: '' },
      });
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(policyProxy.connects).toContain(new URL(backend.url).host);
      expect(policyProxy.connects).toContain(new URL(moto.endpoint).host);
    } finally {
      await policyProxy.close();
    }
  });

  it('exits 1 and says what to do when sign-in fails', async () => {
    const out = await runCli(['doctor'], { home, env: { DOCKSIDE_ENDPOINT: moto.endpoint, DOCKSIDE_BACKEND_URL: backend.url, DOCKSIDE_TOKEN: 'bad-token' } });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/FAIL\s+backend\.sign-in/);
    expect(out.stdout).toContain('dockside login');
    expect(out.stdout).not.toContain('bad-token');
  });
});
