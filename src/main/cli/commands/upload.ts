/** `dockside upload FILE...`: queue files and upload them, resuming any earlier unfinished run. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DocksideError } from '../../../shared/errors.js';
import type { ChecksumType, TransferRecord, TransferTarget } from '../../../shared/transfer-model.js';
import { NodeFileSource } from '../../engine/index.js';
import { checksumTypeOption, endpointOption, partSizeOption, UsageError } from '../cli-options.js';
import { openEngine } from '../compose.js';
import type { ExitCode } from '../exit-codes.js';
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
    .option('-b, --bucket <bucket>', 'destination bucket (default: $DOCKSIDE_BUCKET)')
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
    setExit(await upload(files, flags, globalHome(program)));
  });
}

async function upload(files: string[], flags: UploadFlags, home: string | undefined): Promise<ExitCode> {
  const bucket = flags.bucket ?? process.env.DOCKSIDE_BUCKET;
  if (!bucket) throw new UsageError('Name the destination with --bucket (or set DOCKSIDE_BUCKET).');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UsageError(`--bucket ${bucket}: not a valid S3 bucket name.`);
  if (flags.key !== undefined && files.length > 1) throw new UsageError('--key names one object; give one file with it, or leave it out to use each file name.');
  if (flags.key !== undefined && (flags.key.length === 0 || Buffer.byteLength(flags.key) > 1024)) {
    throw new UsageError('--key must be 1 to 1024 bytes long.');
  }
  const rawEndpoint = flags.endpoint ?? process.env.DOCKSIDE_ENDPOINT ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const endpoint = rawEndpoint ? endpointOption(rawEndpoint) : null;
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

  // Check every file before anything is journaled: bad input changes nothing.
  const paths = [...new Set(files.map((f) => resolve(f)))];
  const source = new NodeFileSource();
  for (const path of paths) {
    try {
      await source.identify(path);
    } catch (error) {
      if (error instanceof DocksideError) throw new UsageError(error.message);
      throw error;
    }
  }

  const engine = openEngine({ home, ...engineSettings(flags) });
  try {
    const records: TransferRecord[] = [];
    for (const path of paths) {
      const target: TransferTarget = {
        bucket,
        key: flags.key ?? path.split(/[\\/]/).pop()!,
        endpoint,
        region,
        forcePathStyle: endpoint !== null,
      };
      records.push(
        await engine.manager.add({
          filePath: path,
          target,
          ...(flags.partSize ? { partSize: flags.partSize } : {}),
          ...(flags.checksumType ? { checksumType: flags.checksumType } : {}),
        }),
      );
    }
    return await runTransfers(engine, records, createProgressView(outputMode(flags)));
  } finally {
    await engine.close();
  }
}

export function engineSettings(flags: EngineFlags) {
  return {
    ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
    ...(flags.transfers !== undefined ? { maxActiveTransfers: flags.transfers } : {}),
    ...(flags.limitRate !== undefined ? { bandwidthLimit: flags.limitRate } : {}),
    ...(flags.stallTimeout !== undefined ? { stallTimeoutMs: flags.stallTimeout * 1000 } : {}),
  };
}
