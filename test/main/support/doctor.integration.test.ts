/** runDoctor against local fixtures: a proxy in front of moto and a backend, a private-CA endpoint, a bad token. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../../../src/main/net/index.js';
import { hasFailure, readLastDoctorReport, runDoctor, saveDoctorReport, type DoctorReport } from '../../../src/main/support/doctor.js';
import { startMoto, type MotoServer } from '../../support/moto-server.js';
import { sendJson, startLocalHttp, type LocalHttp } from '../../support/local-http.js';
import { makeTestCa, startProxy, startTlsFront, type LocalProxy, type TestCa, type TlsFront } from '../net/net-fixtures.js';

let moto: MotoServer;
let backend: LocalHttp;
let proxy: LocalProxy;
let ca: TestCa;
let front: TlsFront;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-doctor-'));
  ca = makeTestCa();
  [moto, backend, proxy] = await Promise.all([startMoto(), startLocalHttp(), startProxy({ user: 'bob', password: 'hunter2-secret' })]);
  front = await startTlsFront(moto.endpoint, ca);
  backend.handle((req, res) => {
    if (req.url.startsWith('/v1/') && req.headers.authorization !== 'Bearer good-token') return sendJson(res, 401, { error: { code: 'UNAUTHORIZED', message: 'bad token' } });
    sendJson(res, 200, { uploads: [], nextCursor: null });
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), backend?.close(), proxy?.close(), front?.close()]);
  ca?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const byName = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.name, c]));

describe('runDoctor', () => {
  it('passes through an authenticating proxy and a private CA, shows the proxy without its password, and saves the report', async () => {
    const network = buildNetwork({ proxy: { url: `http://bob:hunter2-secret@127.0.0.1:${proxy.port}` }, caCertificates: [ca.caFile], env: {} });
    try {
      const report = await runDoctor({ network, backend: { url: backend.url, token: 'good-token' }, s3Endpoint: front.url, dataDir: dir, timeoutMs: 5_000 });
      const checks = byName(report);
      expect(report.checks.map((c) => c.name)).toEqual(['dns.backend', 'dns.s3', 'proxy', 'tls.backend', 'tls.s3', 'backend.sign-in', 's3.reachable', 'clock', 'disk']);
      expect(hasFailure(report), JSON.stringify(report, null, 2)).toBe(false);
      expect(checks['tls.s3']).toMatchObject({ status: 'ok', fix: null });
      expect(checks['backend.sign-in']!.status).toBe('ok');
      expect(checks['clock']!.status).toBe('ok');
      expect(checks['proxy']!.detail).toContain(`http://bob@127.0.0.1:${proxy.port}`);
      expect(proxy.connects).toContain(new URL(front.url).host);
      expect(proxy.connects).toContain(new URL(backend.url).host);
      saveDoctorReport(report, dir);
      const saved = readLastDoctorReport(dir);
      expect(saved).toEqual(JSON.parse(JSON.stringify(report)));
      expect(JSON.stringify(saved)).not.toContain('hunter2');
      expect(JSON.stringify(saved)).not.toContain('good-token');
    } finally {
      await network.close();
    }
  });

  it('fails TLS without the CA (saying to add it), sign-in with a bad token, and the proxy with a wrong password', async () => {
    const noCa = buildNetwork({ env: {} });
    try {
      const checks = byName(await runDoctor({ network: noCa, backend: { url: backend.url, token: 'bad-token' }, s3Endpoint: front.url, dataDir: dir, timeoutMs: 5_000 }));
      expect(checks['tls.s3']).toMatchObject({ status: 'fail' });
      expect(checks['tls.s3']!.fix).toMatch(/root CA certificate/);
      expect(checks['backend.sign-in']).toMatchObject({ status: 'fail' });
      expect(checks['backend.sign-in']!.fix).toMatch(/dockside login/);
      // moto itself (plain http) is still reachable, and its Date header gives the clock.
      const direct = byName(await runDoctor({ network: noCa, backend: null, s3Endpoint: moto.endpoint, dataDir: dir }));
      expect(direct['s3.reachable']!.status).toBe('ok');
      expect(direct['backend.sign-in']!.status).toBe('ok');
    } finally {
      await noCa.close();
    }
    const wrong = buildNetwork({ env: { HTTP_PROXY: `http://bob:wrong-secret@127.0.0.1:${proxy.port}` } });
    try {
      const report = await runDoctor({ network: wrong, backend: { url: backend.url, token: 'good-token' }, s3Endpoint: moto.endpoint, dataDir: dir, timeoutMs: 5_000 });
      const checks = byName(report);
      expect(checks['s3.reachable']).toMatchObject({ status: 'fail' });
      expect(checks['s3.reachable']!.detail).toContain('407');
      expect(checks['backend.sign-in']!.detail).toContain(`http://bob@127.0.0.1:${proxy.port}`);
      expect(JSON.stringify(report)).not.toContain('wrong-secret');
    } finally {
      await wrong.close();
    }
  });

  it('reads no report where none was saved', () => {
    expect(readLastDoctorReport(join(dir, 'nothing-here'))).toBeNull();
  });
});
