// The diagnostics bundle: canary secrets planted everywhere Dockside could carry one (log messages
// and data, transfer errors, file names, endpoints, settings, the doctor report, env-like text,
// URLs) must not come out anywhere in the extracted .zip, while what support needs still does.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzip } from '../../support/unzip.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import type { NewTransfer } from '../../../src/main/engine/ports.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';
import { exportDiagnostics } from '../../../src/main/support/diagnostics.js';

/** Every planted secret contains "cnry" (any case) and nothing else in the fixtures does. */
const S = {
  accessKeyId: 'AKIACNRY000000000001',
  tempAccessKeyId: 'ASIACNRY000000000002',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCnry00000003',
  sessionToken: `FwoGZXIvYXdzEcnry04${'Ab1/+'.repeat(40)}`,
  jwt: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImNucnkifQ.eyJzdWIiOiJjbnJ5MDUifQ.cnry05signature',
  bearer: 'cnry06-bearer-value',
  signature: 'cnry07a1b2c3d4e5f6',
  securityToken: 'IQoJb3JpZ2luX2VjCnry08',
  proxyPassword: 'cnryPass09',
  settingsToken: 'cnry10-settings-token',
  staticToken: 'opaque-cnry11-static-token',
  envToken: 'envcnry12-token-value',
  password: 'cnry13-hunter2',
  pem: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANcnry14\n-----END PRIVATE KEY-----',
  cookie: 'cnry15cookievalue',
};
const presigned = (key: string) =>
  `https://dock-bucket.s3.eu-west-1.amazonaws.com/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${S.tempAccessKeyId}%2F20250101%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=${encodeURIComponent(S.securityToken)}&X-Amz-SignedHeaders=host&X-Amz-Signature=${S.signature}`;

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
let dir: string;
let home: string;
let journal: SqliteJournal;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-diagnostics-'));
  home = join(dir, 'home');
  journal = new SqliteJournal(join(home, 'journal.sqlite'), { now: () => NOW - 60_000 });
});

afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function transfer(id: string, filePath: string, overrides: Partial<NewTransfer['target']> = {}): NewTransfer {
  return {
    id,
    filePath,
    fileSize: 50 * 1024 * 1024,
    fileMtimeMs: 1,
    fileIdentity: '52428800:1:2049:77',
    target: { bucket: 'dock-bucket', key: 'raw/take-01.mov', endpoint: null, region: 'eu-west-1', forcePathStyle: false, ...overrides },
    partSize: 16 * 1024 * 1024,
    partCount: 4,
    checksumType: 'FULL_OBJECT',
  };
}

function plantEverywhere(): void {
  journal.createTransfer(transfer('tr-plain', '/media/take-01.mov'));
  journal.createTransfer(
    transfer('tr-leaky', `/media/${S.accessKeyId}-take-02.mov`, {
      key: `uploads/token=${S.settingsToken}/take-02.mov`,
      endpoint: `http://minio:${S.proxyPassword}@127.0.0.1:9000`,
      backend: { url: `https://svc:${S.password}@dockside.example.com`, uploadId: 'bu-1' },
    }),
  );
  journal.setState('tr-leaky', 'failed', {
    code: 'ACCESS_DENIED',
    message: `Access denied for ${S.tempAccessKeyId} (X-Amz-Security-Token: ${S.securityToken}); sign in again.`,
    retryable: false,
  });
  const log = (message: string, data?: Record<string, unknown>) =>
    journal.appendLog({ transferId: 'tr-leaky', level: 'warn', type: 'retry', message, ...(data ? { data } : {}) });
  log(`Retrying part 3 after network down (Authorization: Bearer ${S.bearer})`);
  log(`Signed in as ${S.jwt}`);
  log(`AWS_SECRET_ACCESS_KEY=${S.secretAccessKey} and AWS_SESSION_TOKEN=${S.sessionToken} were in the environment`);
  log(`Bare key ${S.secretAccessKey} in text, and a bare session token ${S.sessionToken}`);
  log(`Token ${S.staticToken} refused; env token ${S.envToken} too`);
  log(`GET ${presigned('raw/take-02.mov')} returned 403`);
  log(`Proxy http://alice:${S.proxyPassword}@proxy.corp:3128 refused the tunnel`);
  log('Part 3 failed twice', {
    part: 3,
    url: presigned('raw/take-02.mov'),
    headers: { Authorization: `AWS4-HMAC-SHA256 Credential=${S.accessKeyId}/20250101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=${S.signature}`, 'x-amz-security-token': S.securityToken, Cookie: `session=${S.cookie}`, 'content-type': 'video/quicktime' },
    credentials: { accessKeyId: S.accessKeyId, secretAccessKey: S.secretAccessKey, sessionToken: S.sessionToken },
    nested: [{ deeper: { note: `cookie: ${S.cookie}`, list: ['kept-note', `Bearer ${S.bearer}`] } }],
    [`token=${S.settingsToken}`]: 'secret in a key',
    pem: S.pem,
    env: `DOCKSIDE_TOKEN=${S.staticToken} HTTPS_PROXY=http://bob:${S.proxyPassword}@proxy.corp:3128`,
  });
  journal.appendLog({ transferId: null, level: 'info', type: 'app.started', message: 'Dockside started.' });
  writeFileSync(
    join(home, 'doctor-last.json'),
    JSON.stringify({
      at: NOW - 5000,
      checks: [
        { name: 'S3 reachable', status: 'fail', detail: `GET ${presigned('probe')} failed: 403 Forbidden`, fix: `Unset AWS_SESSION_TOKEN=${S.sessionToken}, then sign in again.` },
        { name: 'Proxy', status: 'ok', detail: `via http://carol:${S.proxyPassword}@proxy.corp:8080`, fix: null },
        { name: 'Sign-in', status: 'warn', detail: `token ${S.jwt} expires soon`, fix: 'Run dockside login.' },
      ],
    }),
  );
}

const settings = {
  backendUrl: { value: `https://alice:${S.proxyPassword}@dockside.example.com`, source: 'policy', lockedReason: 'Set by IT' },
  proxy: { value: `http://bob:${S.proxyPassword}@proxy.corp:3128`, source: 'user', lockedReason: null },
  concurrency: { value: 6, source: 'user', lockedReason: null },
  signInToken: { value: S.settingsToken, source: 'user' },
  nested: { deeper: [{ apiKey: S.settingsToken, label: 'visible-label' }] },
  notes: `password=${S.password}; bandwidth 20MB/s`,
  extraHeaders: [`Authorization: Bearer ${S.bearer}`],
  caBundle: S.pem,
};

async function exportBundle(options: Partial<Parameters<typeof exportDiagnostics>[0]> = {}) {
  return exportDiagnostics({
    journal,
    home,
    settings,
    appVersion: '1.2.3',
    outFile: join(dir, 'bundle.zip'),
    now: NOW,
    secrets: [S.staticToken],
    env: { DOCKSIDE_TOKEN: S.envToken, PATH: '/usr/bin' },
    ...options,
  });
}

describe('exportDiagnostics', () => {
  it('leaks no planted secret anywhere in the bundle, and keeps what support needs', async () => {
    plantEverywhere();
    const result = await exportBundle();
    expect(result.path).toBe(join(dir, 'bundle.zip'));
    expect(result.bytes).toBeGreaterThan(1000);

    const files = await unzip(result.path);
    if (process.env.DOCKSIDE_KEEP_BUNDLE) writeFileSync(process.env.DOCKSIDE_KEEP_BUNDLE, [...files].map(([n, c]) => `=== ${n}\n${c}`).join('\n'));
    expect([...files.keys()].sort()).toEqual(
      ['README.txt', 'doctor.json', 'log.jsonl', 'log.txt', 'manifest.json', 'settings.json', 'summary.txt', 'transfers.json', 'versions.json'].map((f) => `bundle/${f}`),
    );
    for (const [name, content] of files) {
      const leaks = content.split('\n').filter((line) => /cnry/i.test(line));
      expect(leaks, `secret left in ${name}`).toEqual([]);
      // Not even in a form a JSON reader or a URL decoder would turn back into one.
      const decoded = JSON.parse(JSON.stringify(content).replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))) as string;
      expect(decoded, name).not.toMatch(/cnry/i);
    }

    const all = [...files.values()].join('\n');
    for (const kept of [
      '/media/take-01.mov',
      'take-02.mov',
      'Retrying part 3 after network down',
      'Access denied for',
      'ACCESS_DENIED',
      'dock-bucket.s3.eu-west-1.amazonaws.com/raw/take-02.mov',
      'X-Amz-Expires=900',
      'proxy.corp:3128',
      'dockside.example.com',
      'visible-label',
      'kept-note',
      'video/quicktime',
      'bandwidth 20MB/s',
      'S3 reachable',
      'Run dockside login.',
      'Dockside started.',
      '[redacted]',
    ]) {
      expect(all, kept).toContain(kept);
    }

    const settingsOut = JSON.parse(files.get('bundle/settings.json')!) as Record<string, { value: unknown; source: string }>;
    expect(settingsOut.concurrency).toEqual({ value: 6, source: 'user', lockedReason: null });
    expect(settingsOut.backendUrl!.source).toBe('policy');
    expect(settingsOut.signInToken).toBe('[redacted]');

    const transfers = JSON.parse(files.get('bundle/transfers.json')!) as Array<Record<string, unknown>>;
    expect(transfers.map((t) => [t.id, t.state, t.size])).toEqual([
      ['tr-leaky', 'failed', 50 * 1024 * 1024],
      ['tr-plain', 'queued', 50 * 1024 * 1024],
    ]);
    expect(transfers[0]!.error).toMatchObject({ code: 'ACCESS_DENIED' });

    const logLines = files.get('bundle/log.jsonl')!.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> | null });
    expect(logLines).toHaveLength(11); // 2 × transfer.created, 8 warnings, app.started
    const withData = logLines.find((e) => e.data?.part === 3)!;
    expect(withData.data).toMatchObject({ part: 3, credentials: '[redacted]', headers: { Authorization: '[redacted]', 'x-amz-security-token': '[redacted]', 'content-type': 'video/quicktime' } });
    expect(files.get('bundle/log.txt')!.trim().split('\n')).toHaveLength(11);
    expect(files.get('bundle/log.txt')).toMatch(/^2025-06-01 11:59:00.000 {2}INFO {3}tr-plain {2}Queued \/media\/take-01\.mov/);

    const versions = JSON.parse(files.get('bundle/versions.json')!) as Record<string, unknown>;
    expect(versions).toMatchObject({ app: '1.2.3', node: process.versions.node, electron: null, os: { platform: process.platform, arch: process.arch } });
    expect((versions.disk as { freeBytes: number }).freeBytes).toBeGreaterThan(0);

    const doctor = JSON.parse(files.get('bundle/doctor.json')!) as { checks: Array<{ name: string; status: string }> };
    expect(doctor.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['S3 reachable:fail', 'Proxy:ok', 'Sign-in:warn']);
    expect(files.get('bundle/summary.txt')).toContain('FAIL  S3 reachable');
  });

  it('lists every file in the manifest with its real size and SHA-256', async () => {
    plantEverywhere();
    const files = await unzip((await exportBundle()).path);
    const manifest = JSON.parse(files.get('bundle/manifest.json')!) as {
      format: string;
      appVersion: string;
      createdAt: string;
      counts: { transfers: number; logEntries: number };
      files: Array<{ name: string; bytes: number; sha256: string }>;
    };
    expect(manifest).toMatchObject({ format: 'dockside-diagnostics', appVersion: '1.2.3', createdAt: '2025-06-01T12:00:00.000Z', counts: { transfers: 2, logEntries: 11 } });
    expect(manifest.files.map((f) => f.name).sort()).toEqual([...files.keys()].filter((f) => f !== 'bundle/manifest.json').map((f) => f.slice('bundle/'.length)).sort());
    for (const file of manifest.files) {
      const content = Buffer.from(files.get(`bundle/${file.name}`)!, 'utf8');
      expect(file.bytes, file.name).toBe(content.length);
      expect(file.sha256, file.name).toBe(createHash('sha256').update(content).digest('hex'));
    }
  });

  it('tolerates a missing or damaged doctor report, an empty journal and odd settings', async () => {
    let files = await unzip((await exportBundle({ settings: undefined })).path);
    expect(files.has('bundle/doctor.json')).toBe(false);
    expect(JSON.parse(files.get('bundle/manifest.json')!).doctorReport).toMatch(/^absent: no check was run/);
    expect(files.get('bundle/settings.json')).toBe('null\n');
    expect(files.get('bundle/log.jsonl')).toBe('');

    writeFileSync(join(home, 'doctor-last.json'), `{"at": 1, "checks": [{"name": "S3", "detail": "token=${S.settingsToken}`);
    files = await unzip((await exportBundle({ outFile: join(dir, 'second.zip'), settings: { big: 10n, fn: () => 1, when: new Date(NOW) } })).path);
    expect(files.has('second/doctor.json')).toBe(false);
    expect(files.get('second/doctor-damaged.txt')).toContain('"name": "S3"');
    expect(files.get('second/doctor-damaged.txt')).not.toMatch(/cnry/i);
    expect(JSON.parse(files.get('second/settings.json')!)).toEqual({ big: '10', when: '2025-06-01T12:00:00.000Z' });

    writeFileSync(join(home, 'doctor-last.json'), JSON.stringify({ at: 'yesterday', checks: 3, password: S.password }));
    files = await unzip((await exportBundle({ outFile: join(dir, 'third.zip') })).path);
    expect(JSON.parse(files.get('third/doctor.json')!)).toEqual({ at: 'yesterday', checks: 3, password: '[redacted]' });
    expect(JSON.parse(files.get('third/manifest.json')!).doctorReport).toMatch(/^unexpected-shape/);
  });

  it('fails with DIAGNOSTICS and leaves no partial file when the bundle cannot be written', async () => {
    const outFile = join(dir, 'no-such-folder', 'bundle.zip');
    await expect(exportBundle({ outFile })).rejects.toSatisfy((error: unknown) => error instanceof DocksideError && error.code === 'DIAGNOSTICS');
    const broken = { listTransfers: () => [], queryLog: () => { throw new Error('disk I/O error'); } };
    await expect(exportBundle({ journal: broken })).rejects.toThrow(/disk I\/O error/);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });
});
