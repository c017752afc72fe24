/** `dockside upload FILE...`: queue files and upload them, resuming any earlier unfinished run. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DocksideError } from '../../../shared/errors.js';
import { PartPlanError, planParts } from '../../../shared/part-planner.js';
import { type ChecksumType, type TransferRecord, type TransferTarget } from '../../../shared/transfer-model.js';
import { BackendClient, backendTargetFor, NodeFileSource } from '../../engine/index.js';
import { backendFetch } from '../cli-network.js';
import { resolveBackendLogin, type BackendLogin } from '../backend-login.js';
import { checkObjectKey, checksumTypeOption, endpointOption, partSizeOption, UsageError } from '../cli-options.js';
import { assertUploadAllowed, engineSettingsWithin, policyBackendLogin, policyBackendUrl, settingsOrStop } from '../cli-settings.js';
import { openEngine, type Engine, type EngineSettings } from '../compose.js';
import type { ExitCode } from '../exit-codes.js';
import type { LoadedSettings } from '../../settings/index.js';
import { createProgressView } from '../progress-view.js';
import { runTransfers } from '../run-transfers.js';
import { addEngineOptions, globalHome, outputMode, type EngineFlags } from './shared-options.js';

interface UploadFlags extends EngineFlags {
  bucket?: string;
  key?: string;
  endpoint?: string;
  region?: string;
  partSize?: number;
  checksumType?: ChecksumType;
}

export function registerUpload(program: Command, setExit: (code: ExitCode) => void): void {
  const command = program
    .command('upload')
    .description('upload files to S3 in parts; re-running it on the same file resumes the earlier upload')
    .argument('<files...>', 'files to upload')
    .option('-b, --bucket <bucket>', 'destination bucket, straight to S3 with your AWS credentials (default: $DOCKSIDE_BUCKET; without one, uploads go through the backend you signed in to)')
    .option('-k, --key <key>', 'object key (default: the file name; one file only)')
    .option('--endpoint <url>', 'S3-compatible endpoint, path-style (default: $DOCKSIDE_ENDPOINT, $AWS_ENDPOINT_URL_S3, AWS)', endpointOption)
    .option('--region <region>', 'AWS region (default: $AWS_REGION or us-east-1)')
    .option('--part-size <size>', 'part size, a whole number of MiB such as 16MiB or 64M (raised when the file needs it)', partSizeOption)
    .option(
      '--checksum-type <type>',
      'full-object: S3 checks a CRC32 of the whole object (default); composite: per-part CRC32s only, for S3-compatible stores that mishandle full-object checksums',
      checksumTypeOption,
    );
  addEngineOptions(command).action(async (files: string[], flags: UploadFlags) => {
    const home = globalHome(program);
    // An invalid machine-wide policy stops here (exit 78), before the journal is opened.
    const settings = await settingsOrStop(home, setExit);
    if (settings) setExit(await upload(files, flags, home, settings));
  });
}

async function upload(files: string[], flags: UploadFlags, home: string | undefined, settings: LoadedSettings): Promise<ExitCode> {
  const { effective } = settings;
  const limits = engineSettingsWithin(flags, settings);
  const bucket = flags.bucket ?? process.env.DOCKSIDE_BUCKET;
  if (!bucket) {
    const policyUrl = policyBackendUrl(effective);
    const login = policyUrl ? policyBackendLogin(policyUrl, effective.backendUrl.origin, home) : resolveBackendLogin(home);
    if (login) return uploadThroughBackend(files, flags, home, login, limits);
    throw new UsageError('Sign in to your Dockside backend with `dockside login --backend URL`, or name a bucket with --bucket (or set DOCKSIDE_BUCKET).');
  }
  assertUploadAllowed(settings.policy, null, flags.bucket !== undefined ? `--bucket ${bucket}` : `DOCKSIDE_BUCKET=${bucket}`);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UsageError(`--bucket ${bucket}: not a valid S3 bucket name.`);
  if (flags.key !== undefined && files.length > 1) throw new UsageError('--key names one object; give one file with it, or leave it out to use each file name.');
  if (flags.key !== undefined && (flags.key.length === 0 || Buffer.byteLength(flags.key) > 1024)) {
    throw new UsageError('--key must be 1 to 1024 bytes long.');
  }
  const rawEndpoint = flags.endpoint ?? process.env.DOCKSIDE_ENDPOINT ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const endpoint = rawEndpoint ? endpointOption(rawEndpoint) : null;
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

  const paths = await checkFiles(files, flags.partSize);
  // Every key is checked before anything is journaled: bad input changes nothing.
  const keys = new Map(paths.map((path) => [path, flags.key ?? path.split(/[\\/]/).pop()!]));
  for (const [path, key] of keys) checkObjectKey(key, flags.key !== undefined ? { option: '--key' } : { file: path });
  return addAndRun(paths, flags, home, limits, async (path) => ({
    bucket,
    key: keys.get(path)!,
    endpoint,
    region,
    forcePathStyle: endpoint !== null,
  }));
}

/**
 * Checks every file before anything is journaled or asked of a backend: bad input changes nothing.
 * Each is planned as the engine will plan it, so a file above S3's largest object is refused here.
 */
async function checkFiles(files: string[], partSize: number | undefined): Promise<string[]> {
  const paths = [...new Set(files.map((f) => resolve(f)))];
  const source = new NodeFileSource();
  for (const path of paths) {
    try {
      const { size } = await source.identify(path);
      planParts(size, partSize === undefined ? {} : { preferredPartSize: partSize });
    } catch (error) {
      // The planner's message is about "the file": name it, since several may be given.
      if (error instanceof PartPlanError) throw new UsageError(`${path}: ${error.message}`);
      if (error instanceof DocksideError) throw new UsageError(error.message);
      throw error;
    }
  }
  return paths;
}

/**
 * Through the backend: it picks the key in the loading dock and vends credentials for that key
 * alone. A file with an unfinished transfer to the same backend resumes it instead of asking
 * for a new upload.
 */
async function uploadThroughBackend(files: string[], flags: UploadFlags, home: string | undefined, login: BackendLogin, limits: EngineLimits): Promise<ExitCode> {
  for (const [flag, given] of [['--key', flags.key], ['--endpoint', flags.endpoint], ['--region', flags.region]] as const) {
    if (given !== undefined) throw new UsageError(`${flag} applies to uploads straight to S3 (with --bucket); the backend chooses where files go.`);
  }
  const paths = await checkFiles(files, flags.partSize);
  const client = new BackendClient({ ...login, ...backendFetch() });
  return addAndRun(paths, flags, home, limits, async (path, engine) =>
    backendTargetFor({
      client,
      filePath: path,
      size: (await new NodeFileSource().identify(path)).size,
      transfers: engine.journal.listTransfers(),
      ...(flags.checksumType ? { checksumType: flags.checksumType } : {}),
    }),
  );
}

/** Journals (or finds again) a transfer of each file to the target `targetFor` gives, then runs them with progress. */
async function addAndRun(
  paths: readonly string[],
  flags: UploadFlags,
  home: string | undefined,
  limits: EngineLimits,
  targetFor: (path: string, engine: Engine) => Promise<TransferTarget>,
): Promise<ExitCode> {
  const engine = openEngine({ home, ...limits });
  try {
    const records: TransferRecord[] = [];
    for (const path of paths) {
      records.push(
        await engine.manager.add({
          filePath: path,
          target: await targetFor(path, engine),
          ...(flags.partSize ? { partSize: flags.partSize } : {}),
          ...(flags.checksumType ? { checksumType: flags.checksumType } : {}),
          // Kept with the transfer (the flag or the verifyFile setting): a resume without either still re-reads the file.
          ...(limits.verifyFile ? { verifyFile: true } : {}),
        }),
      );
    }
    return await runTransfers(engine, records, createProgressView(outputMode(flags)));
  } finally {
    await engine.close();
  }
}

/** Concurrency, transfers and bandwidth: the flags within the policy, else the effective settings. */
type EngineLimits = Omit<EngineSettings, 'home' | 'credentials'>;
