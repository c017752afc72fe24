/**
 * The tools a firm's staff would otherwise use, and Dockside, as command lines against the same
 * endpoint: each once with the bench's part size and concurrency ("tuned") and once with its own
 * defaults.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { docksideArgs } from './dockside-cli.js';

export const TOOLS = ['dockside', 'aws-cli-v2', 'rclone', 'lib-storage'] as const;
export type Tool = (typeof TOOLS)[number];
export type Variant = 'tuned' | 'defaults';

export interface PeerContext {
  readonly file: string;
  readonly bucket: string;
  readonly key: string;
  readonly endpoint: string;
  /** PEM of the CA that signed the endpoint's certificate (TLS runs). */
  readonly caFile?: string;
  readonly partSizeMiB: number;
  readonly concurrency: number;
  /** A fresh folder for this run's state (journal, config files). */
  readonly workDir: string;
}

export interface PeerCommand {
  readonly command: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
}

const ROOT = resolve(import.meta.dirname, '..');
const AWS_CLI_V2 = '/usr/bin/aws'; // a pip AWS CLI v1 may come first on PATH

const credentials = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' };

/** Whether the tool can run on this machine, and if not, why. */
export function peerAvailable(tool: Tool): { ok: true } | { ok: false; why: string } {
  switch (tool) {
    case 'dockside':
    case 'lib-storage':
      return { ok: true };
    case 'aws-cli-v2':
      return existsSync(AWS_CLI_V2) ? { ok: true } : { ok: false, why: `${AWS_CLI_V2} not found (apt-get install awscli)` };
    case 'rclone':
      return existsSync('/usr/bin/rclone') ? { ok: true } : { ok: false, why: '/usr/bin/rclone not found (apt-get install rclone)' };
  }
}

/** The command line that uploads ctx.file with `tool`. */
export function peerCommand(tool: Tool, variant: Variant, ctx: PeerContext): PeerCommand {
  mkdirSync(ctx.workDir, { recursive: true });
  const base = { ...process.env, ...credentials };
  const tuned = variant === 'tuned';
  switch (tool) {
    case 'dockside':
      return {
        command: process.execPath,
        args: docksideArgs([
          'upload',
          ctx.file,
          '--bucket',
          ctx.bucket,
          '--key',
          ctx.key,
          '--endpoint',
          ctx.endpoint,
          ...(tuned ? ['--part-size', `${ctx.partSizeMiB}MiB`, '--concurrency', String(ctx.concurrency)] : []),
          '--json',
        ]),
        env: { ...base, DOCKSIDE_HOME: join(ctx.workDir, 'home'), ...(ctx.caFile ? { NODE_EXTRA_CA_CERTS: ctx.caFile } : {}) },
      };
    case 'lib-storage':
      return {
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          join(ROOT, 'bench/peers/lib-storage-upload.ts'),
          ctx.file,
          ctx.bucket,
          ctx.key,
          ctx.endpoint,
          ...(tuned ? [String(ctx.partSizeMiB), String(ctx.concurrency)] : []),
        ],
        env: { ...base, ...(ctx.caFile ? { NODE_EXTRA_CA_CERTS: ctx.caFile } : {}) },
      };
    case 'aws-cli-v2': {
      const config = join(ctx.workDir, 'aws-config');
      writeFileSync(
        config,
        tuned
          ? `[default]\ns3 =\n  multipart_chunksize = ${ctx.partSizeMiB}MB\n  multipart_threshold = ${ctx.partSizeMiB}MB\n  max_concurrent_requests = ${ctx.concurrency}\n`
          : '[default]\n',
      );
      return {
        command: AWS_CLI_V2,
        args: ['--endpoint-url', ctx.endpoint, ...(ctx.caFile ? ['--ca-bundle', ctx.caFile] : []), 's3', 'cp', ctx.file, `s3://${ctx.bucket}/${ctx.key}`, '--only-show-errors'],
        env: { ...base, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(ctx.workDir, 'no-credentials') },
      };
    }
    case 'rclone': {
      const env: NodeJS.ProcessEnv = {
        ...base,
        RCLONE_CONFIG_SINK_TYPE: 's3',
        RCLONE_CONFIG_SINK_PROVIDER: 'Other',
        RCLONE_CONFIG_SINK_ENDPOINT: ctx.endpoint,
        RCLONE_CONFIG_SINK_ACCESS_KEY_ID: credentials.AWS_ACCESS_KEY_ID,
        RCLONE_CONFIG_SINK_SECRET_ACCESS_KEY: credentials.AWS_SECRET_ACCESS_KEY,
        RCLONE_CONFIG_SINK_FORCE_PATH_STYLE: 'true',
        RCLONE_CONFIG_SINK_REGION: 'us-east-1',
        RCLONE_CONFIG: join(ctx.workDir, 'rclone.conf'),
      };
      // Debian's rclone 1.60 fails with LoadCustomCABundleError when this is set.
      delete env.AWS_CA_BUNDLE;
      return {
        command: '/usr/bin/rclone',
        args: [
          'copyto',
          ctx.file,
          `sink:${ctx.bucket}/${ctx.key}`,
          ...(ctx.caFile ? ['--ca-cert', ctx.caFile] : []),
          ...(tuned ? ['--s3-chunk-size', `${ctx.partSizeMiB}M`, '--s3-upload-concurrency', String(ctx.concurrency)] : []),
        ],
        env,
      };
    }
  }
}
