/**
 * The diagnostics bundle: one .zip a person attaches to a support ticket. It holds what support
 * needs to explain a stuck or failed upload (the transfer log, the transfers, the effective
 * settings, versions, the last connectivity check) and nothing that would let anyone act as the
 * user: every file goes through the redactor (credential-named fields, credential-shaped text,
 * and the secret values the caller and the environment know of).
 *
 * A .zip rather than a .tar.gz: support staff and users open it with a double-click on Windows
 * and macOS. Entries sit in one folder named like the file, so extracting never spills.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { arch, platform, release, type as osType } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { z } from 'zod';
import { assertNever, DocksideError } from '../../shared/errors.js';
import type { TransferLogEntry, TransferRecord } from '../../shared/transfer-model.js';
import { visible } from '../../shared/terminal-text.js';
import { formatBytes, formatPercent } from '../../shared/units.js';
import { dataDir, type UploadJournal } from '../engine/index.js';
import { humanLine, matchingEntries, type LogFilter } from './log-query.js';
import { createRedactor, secretsInEnvironment } from './redact.js';

/** Where the doctor command and the app's connectivity check leave their last report. */
export const DOCTOR_REPORT_FILE = 'doctor-last.json';

/** Bumped when the bundle's layout changes, so support tooling can tell versions apart. */
export const DIAGNOSTICS_FORMAT_VERSION = 1;

export interface ExportDiagnosticsOptions {
  /** The open journal (the app's, or one the CLI opened). */
  readonly journal: Pick<UploadJournal, 'queryLog' | 'listTransfers'>;
  /** The data folder (the journal's; `--home`); default: $DOCKSIDE_HOME, else the per-user data folder. */
  readonly home?: string;
  /** The effective settings with where each came from, already resolved by the caller; written as given, redacted. */
  readonly settings: unknown;
  readonly appVersion: string;
  /** The .zip to write; replaced if it exists (callers that must not overwrite check first). */
  readonly outFile: string;
  /** When the bundle is made (epoch ms); default now. */
  readonly now?: number;
  /** Secret values to remove wherever they appear (a saved sign-in token), besides those in `env`. */
  readonly secrets?: readonly string[];
  /** Environment whose credential-named variables' values are removed too; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface DiagnosticsResult {
  /** Absolute path of the written bundle. */
  readonly path: string;
  /** Its size in bytes. */
  readonly bytes: number;
}

const doctorReportSchema = z.looseObject({
  at: z.number(),
  checks: z.array(
    z.looseObject({
      name: z.string(),
      status: z.enum(['ok', 'warn', 'fail']),
      detail: z.string(),
      fix: z.string().nullable(),
    }),
  ),
});
type DoctorReport = z.infer<typeof doctorReportSchema>;

type DoctorFinding =
  | { readonly status: 'included'; readonly report: DoctorReport }
  | { readonly status: 'unexpected-shape'; readonly report: unknown; readonly detail: string }
  | { readonly status: 'damaged'; readonly text: string; readonly detail: string }
  | { readonly status: 'absent'; readonly detail: string };

interface ManifestFile {
  readonly name: string;
  readonly description: string;
  bytes: number;
  sha256: string;
}

/** Entries of the transfer log written per chunk of the log files. */
const LOG_CHUNK_ENTRIES = 500;
/** A damaged doctor report is kept up to this many characters (it is text a person may read). */
const DAMAGED_TEXT_LIMIT = 64 * 1024;

/**
 * Writes the diagnostics bundle to `outFile` (via a temporary file beside it, renamed at the end,
 * so a half-written bundle is never left under the real name) and returns its path and size.
 */
export async function exportDiagnostics(options: ExportDiagnosticsOptions): Promise<DiagnosticsResult> {
  const now = options.now ?? Date.now();
  const home = options.home ?? dataDir();
  const path = resolve(options.outFile);
  const folder = basename(path).replace(/\.zip$/i, '') || 'dockside-diagnostics';
  const redactor = createRedactor([...(options.secrets ?? []), ...secretsInEnvironment(options.env ?? process.env)]);
  const mtime = new Date(now);
  const files: ManifestFile[] = [];
  // Everything written before `now` and nothing after: both log files show the same entries.
  const logFilter: LogFilter = { until: now };

  let transfers: TransferRecord[];
  try {
    transfers = options.journal.listTransfers();
  } catch (error) {
    throw new DocksideError('DIAGNOSTICS', `Cannot read the transfers from the journal: ${(error as Error).message}`, { cause: error });
  }
  const doctor = await readDoctorReport(home);
  const versions = { ...collectVersions(options.appVersion), disk: await freeDisk(home), dataFolder: home };

  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const fail = (error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error)));

  /** Every file goes through the redactor, even those made here from already-redacted parts. */
  const addText = (name: string, description: string, text: string) => {
    const data = Buffer.from(redactor.text(text), 'utf8');
    files.push({ name, description, bytes: data.length, sha256: sha256(data) });
    zip.addBuffer(data, `${folder}/${name}`, { mtime });
  };
  const addJson = (name: string, description: string, value: unknown) => addText(name, description, `${JSON.stringify(redactor.value(value), null, 2)}\n`);
  /** A file produced while the zip is written (the log can be large), hashed on the way. */
  const addStream = (name: string, description: string, chunks: () => Iterable<string>) => {
    const entry: ManifestFile = { name, description, bytes: 0, sha256: '' };
    files.push(entry);
    zip.addReadStreamLazy(`${folder}/${name}`, { mtime }, (callback) => {
      const hash = createHash('sha256');
      const stream = Readable.from(
        (function* () {
          for (const chunk of chunks()) {
            const data = Buffer.from(chunk, 'utf8');
            hash.update(data);
            entry.bytes += data.length;
            yield data;
          }
          entry.sha256 = hash.digest('hex');
        })(),
      );
      // yazl pipes entry streams without watching them: a failing journal read must end the export.
      stream.on('error', fail);
      callback(null, stream);
    });
  };

  let logEntries = 0;
  addText('README.txt', 'what this bundle is and what was left out', readme(now, options.appVersion));
  addText('summary.txt', 'versions, transfers and the last connectivity check at a glance', summary(now, versions, transfers, doctor));
  addJson('versions.json', 'Dockside, Node, Electron and OS versions, free disk space', versions);
  addJson('settings.json', 'effective settings with where each came from (policy, user, default)', options.settings ?? null);
  addJson('transfers.json', 'every transfer in the journal: file, size, state, progress, last error', transfers.map(describeTransfer));
  addStream('log.jsonl', 'the transfer log, one JSON object per line, oldest first', () =>
    logChunks(options.journal, logFilter, (entry) => {
      logEntries++;
      return `${JSON.stringify(redactor.value({ ...entry, time: new Date(entry.at).toISOString() }))}\n`;
    }),
  );
  addStream('log.txt', 'the transfer log for people: time (UTC), level, transfer, message', () =>
    logChunks(options.journal, logFilter, (entry) => `${redactor.text(humanLine(entry, true))}\n`),
  );
  addDoctor(doctor, addJson, addText);
  zip.addReadStreamLazy(`${folder}/manifest.json`, { mtime }, (callback) => {
    // Called once every earlier entry is written: sizes and hashes are final.
    const manifest = {
      format: 'dockside-diagnostics',
      formatVersion: DIAGNOSTICS_FORMAT_VERSION,
      createdAt: new Date(now).toISOString(),
      appVersion: options.appVersion,
      counts: { transfers: transfers.length, logEntries },
      doctorReport: doctor.status === 'included' ? 'included' : `${doctor.status}: ${doctor.detail}`,
      redaction: REDACTION_SUMMARY,
      files,
    };
    callback(null, Readable.from([Buffer.from(`${JSON.stringify(redactor.value(manifest), null, 2)}\n`, 'utf8')]));
  });
  zip.end();

  const temporary = `${path}.partial-${process.pid}`;
  try {
    zip.on('error', fail);
    await pipeline(output, createWriteStream(temporary, { mode: 0o600 }));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof DocksideError) throw error;
    throw new DocksideError('DIAGNOSTICS', `Cannot write the diagnostics bundle ${path}: ${(error as Error).message}`, { cause: error });
  }
  return { path, bytes: (await stat(path)).size };
}

/** What the redactor removes, for README.txt and the manifest (so support knows why text is missing). */
export const REDACTION_SUMMARY: readonly string[] = [
  'values of fields named like credentials (token, secret, password, credential, access key, signature, authorization, cookie, API key), at any depth',
  'AWS access key ids (AKIA…, ASIA…), secret access keys and session tokens',
  'Authorization headers, bearer tokens and basic-auth values, JSON Web Tokens (eyJ…)',
  'presigned-URL signatures and credentials (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token) and other credential-named query parameters',
  'user names and passwords inside URLs (a proxy URL keeps its host and port, not the user:password before them)',
  'private keys, and the values of credential-named environment variables and the saved sign-in token wherever they appear',
];

function readme(now: number, appVersion: string): string {
  return [
    'Dockside diagnostics',
    '====================',
    '',
    `Made ${new Date(now).toISOString()} by Dockside ${appVersion}, for the people who support it.`,
    '',
    'summary.txt      versions, transfers and the last connectivity check at a glance',
    'log.txt          the transfer log for people (times are UTC)',
    'log.jsonl        the same log, one JSON object per line',
    'transfers.json   every transfer Dockside knows: file, size, state, progress, last error',
    'settings.json    the settings in effect and where each came from (policy, user, default)',
    'versions.json    Dockside, Node, Electron and operating-system versions; free disk space',
    'doctor.json      the last connectivity check (`dockside doctor`), when there was one',
    'manifest.json    the list of files with their sizes and SHA-256',
    '',
    'Left out (shown as [redacted]):',
    ...REDACTION_SUMMARY.map((line) => `  - ${line}`),
    '',
    'No file contents, no sign-in tokens, no AWS credentials are in this bundle.',
    '',
  ].join('\n');
}

function summary(now: number, versions: ReturnType<typeof collectVersions>, transfers: readonly TransferRecord[], doctor: DoctorFinding): string {
  const byState = new Map<string, number>();
  for (const t of transfers) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
  const lines = [
    `Dockside ${versions.app} diagnostics, ${new Date(now).toISOString()}`,
    `Node ${versions.node}${versions.electron ? `, Electron ${versions.electron}` : ''}; ${versions.os.platform} ${versions.os.release} (${versions.os.arch})`,
    '',
    `Transfers: ${transfers.length}${byState.size ? ` (${[...byState].map(([state, n]) => `${n} ${state}`).join(', ')})` : ''}`,
    ...transfers.map((t) => {
      const error = t.errorCode ? `  ${t.errorCode}: ${t.errorMessage ?? ''}` : '';
      return `  ${t.id}  ${t.state.padEnd(10)}  ${formatPercent(t.bytesDone, t.fileSize).padStart(6)} of ${formatBytes(t.fileSize)}  ${visible(t.filePath + error)}`;
    }),
    '',
    doctor.status === 'included'
      ? `Last connectivity check: ${new Date(doctor.report.at).toISOString()}`
      : `Last connectivity check: ${doctor.status} (${doctor.detail})`,
    ...(doctor.status === 'included'
      ? doctor.report.checks.map((c) => `  ${c.status.toUpperCase().padEnd(4)}  ${visible(`${c.name}: ${c.detail}${c.fix ? `  Fix: ${c.fix}` : ''}`)}`)
      : []),
    '',
  ];
  return lines.join('\n');
}

function addDoctor(doctor: DoctorFinding, addJson: (name: string, description: string, value: unknown) => void, addText: (name: string, description: string, text: string) => void): void {
  switch (doctor.status) {
    case 'included':
      addJson('doctor.json', 'the last connectivity check', doctor.report);
      return;
    case 'unexpected-shape':
      addJson('doctor.json', `the last connectivity check (${doctor.detail})`, doctor.report);
      return;
    case 'damaged':
      addText('doctor-damaged.txt', `the last connectivity check's file, which is not valid JSON (${doctor.detail})`, doctor.text);
      return;
    case 'absent':
      return;
    default:
      assertNever(doctor, 'doctor finding');
  }
}

/** The last doctor report as written beside the journal; absence and damage are findings, not errors. */
async function readDoctorReport(home: string): Promise<DoctorFinding> {
  let text: string;
  try {
    text = await readFile(join(home, DOCTOR_REPORT_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { status: 'absent', detail: code === 'ENOENT' ? 'no check was run on this machine yet' : `unreadable: ${(error as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { status: 'damaged', text: text.slice(0, DAMAGED_TEXT_LIMIT), detail: (error as Error).message };
  }
  const report = doctorReportSchema.safeParse(parsed);
  if (report.success) return { status: 'included', report: report.data };
  return { status: 'unexpected-shape', report: parsed, detail: `not the expected shape: ${report.error.issues[0]?.message ?? 'invalid'}` };
}

/** Versions of everything that can change behaviour. */
function collectVersions(appVersion: string) {
  return {
    app: appVersion,
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    chrome: process.versions.chrome ?? null,
    v8: process.versions.v8,
    os: { platform: platform(), type: osType(), release: release(), arch: arch() },
  };
}

/** Free and total space where the journal lives (a full disk stops the journal, not the upload). */
async function freeDisk(home: string): Promise<{ freeBytes: number; totalBytes: number } | { error: string }> {
  try {
    const stats = await statfs(home);
    return { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A transfer as support needs it: no credentials exist on the record, and none are added. */
function describeTransfer(t: TransferRecord) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: t.id,
    file: t.filePath,
    size: t.fileSize,
    state: t.state,
    bytesDone: t.bytesDone,
    partsDone: t.partsDone,
    partCount: t.partCount,
    partSize: t.partSize,
    checksumType: t.checksumType,
    error: t.errorCode === null ? null : { code: t.errorCode, message: t.errorMessage },
    target: {
      bucket: t.target.bucket,
      key: t.target.key,
      endpoint: t.target.endpoint,
      region: t.target.region,
      kmsKeyId: t.target.kmsKeyId ?? null,
      backendUrl: t.target.backend?.url ?? null,
      backendUploadId: t.target.backend?.uploadId ?? null,
    },
    multipartUploadId: t.uploadId,
    owner: t.owner,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    completedAt: iso(t.completedAt),
  };
}

/** The log as text chunks of a few hundred entries each. */
function* logChunks(journal: Pick<UploadJournal, 'queryLog'>, filter: LogFilter, line: (entry: TransferLogEntry) => string): Generator<string> {
  let chunk: string[] = [];
  for (const entry of matchingEntries(journal, filter)) {
    chunk.push(line(entry));
    if (chunk.length >= LOG_CHUNK_ENTRIES) {
      yield chunk.join('');
      chunk = [];
    }
  }
  if (chunk.length) yield chunk.join('');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
