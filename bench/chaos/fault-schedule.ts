// The fault schedule: uploads through the real CLI (`--stall-timeout 2`) while the fault proxy
// breaks the exchange in scripted ways at seeded part numbers: connection resets before the
// request reaches S3 and mid-body, a stalled answer, a burst of 503 SlowDown (5 in a row on one
// part), 500 InternalError, 400 ExpiredToken mid-upload, a slow answer, 503 on
// CreateMultipartUpload, a CompleteMultipartUpload whose answer is lost after S3 acted on it,
// and a server clock 20 minutes ahead from part ~70 % on (RequestTimeTooSkewed, skew-shim.ts).
// Every upload must complete with the right bytes, every scripted fault must have fired, and the
// journal must show a retry of each kind.
//
// Topology: CLI -> fault proxy -> skew shim -> moto_server.
import { join } from 'node:path';
import { killLeftovers } from '../../test/main/cli/run-cli.js';
import { isCompleteMultipart, isCreateMultipart, isUploadPart, startFaultProxy, type FaultAction, type FaultProxy, type FaultRule } from '../../test/support/fault-proxy.js';
import { createBucket, s3ClientFor, startMoto, uniqueBucketName, type MotoServer } from '../../test/support/moto-server.js';
import {
  check,
  cliLog,
  countBy,
  listOpenUploads,
  mib,
  MiB,
  Prng,
  s3Op,
  sha256OfObject,
  tapUploadParts,
  TrackedCli,
  writeRandomFile,
  type Check,
  type OpenUpload,
  type RandomFile,
} from './common.js';
import { startSkewShim, type SkewShim } from './skew-shim.js';

/** How far the server's clock runs ahead once the skew starts. */
export const SKEW_MS = 20 * 60_000;

export type Scenario =
  /** Every fault kind, spread over the parts. */
  | 'full'
  /** Only the clock skew, starting with CompleteMultipartUpload (the machine slept through the last part, say). */
  | 'clock-skew-at-completion'
  /** Only ExpiredToken, four times on every part. */
  | 'expired-token-burst';

export interface FaultScheduleOptions {
  /** The files to upload, one CLI run each (cached or generated); or sizes to generate in workDir. */
  readonly files: ReadonlyArray<RandomFile | number>;
  readonly seed: number;
  readonly workDir: string;
  /** --part-size in bytes (whole MiB). */
  readonly partSize: number;
  /** --stall-timeout in seconds (default 2). */
  readonly stallTimeoutSeconds?: number;
  readonly scenario?: Scenario;
  /** Per CLI run (default 5 min). */
  readonly runTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface PlannedFault {
  /** The rule's name: what the proxy (or the shim, for clock-skew-403) reports as fired. */
  readonly name: string;
  readonly kind: FaultAction['kind'] | 'clock-skew';
  readonly target: string;
  readonly times: number;
}

export interface FaultRunResult {
  readonly file: string;
  readonly size: number;
  readonly partSize: number;
  readonly partCount: number;
  readonly transferId: string | null;
  readonly exitCode: number | null;
  readonly wallSeconds: number;
  readonly planned: PlannedFault[];
  /** How many times each rule fired in this run (clock-skew-403: refusals by the shim). */
  readonly fired: Record<string, number>;
  /** Fired faults summed by kind (reset-before-upstream, status, stall, …, clock-skew). */
  readonly firedByKind: Record<string, number>;
  readonly skewRefusalsByOp: Record<string, number>;
  readonly uploadPartRequests: number;
  readonly uploadPartBytes: number;
  /** UploadPart bytes through the proxy minus the file size. */
  readonly resentBytes: number;
  /** UploadPart bytes S3 answered 200 (beyond the file size: parts stored twice). */
  readonly uploadPartBytesStored: number;
  /** Retries in the journal, by error code. */
  readonly retryCodes: Record<string, number>;
  /** complete.confirmed events (0 when S3 answers the repeated Complete itself, as S3 and moto do). */
  readonly completeConfirmed: number;
  /** Per S3 error code the proxy answered UploadPart with: how often, and how often the engine saw it as that error. */
  readonly errorAnswersRecognised: Record<string, { fired: number; recognised: number }>;
  readonly byteIdentical: boolean;
  readonly openUploads: OpenUpload[];
  readonly result: Record<string, unknown> | null;
  readonly checks: Check[];
  readonly ok: boolean;
}

interface ScheduledRule {
  readonly planned: PlannedFault;
  readonly rule?: FaultRule;
}

/** Codes a `full` run must have retried (the journal's `retry` events). */
export const EXPECTED_RETRY_CODES = ['NETWORK', 'STALLED', 'SERVICE_UNAVAILABLE', 'CLOCK_SKEW'] as const;

export const EARLY_ANSWER_FINDING =
  'Engine: S3ObjectStore hands the SDK its own http(s) Agents, and with an external agent the SDK does not wait for "100 Continue": ' +
  'the part body is written at once, so an error S3 answers before reading the body (SlowDown, InternalError, ExpiredToken) races the ' +
  'upload and often surfaces as EPIPE/ECONNRESET, classified NETWORK. Retrying still recovers, but an ExpiredToken seen that way does ' +
  'not refresh the credentials (and a permanent error on UploadPart is retried as if transient). Fixed 2026-11-23; if this shows, it has come back: see its regression test in test/chaos/chaos.integration.test.ts.';

export const HEAD_SKEW_FINDING =
  'Engine: a clock skew first met by HeadObject (after CompleteMultipartUpload succeeded) fails the transfer as ACCESS_DENIED: a HEAD ' +
  'answer has no body, so the 403 carries no RequestTimeTooSkewed code, and classifyError ignores the SDK\'s $metadata.clockSkewCorrected. ' +
  'Fixed 2026-11-23; if this shows, it has come back: see its regression test in test/chaos/chaos.integration.test.ts.';

/**
 * The scripted faults for one file of `partCount` parts. Part numbers come from the PRNG; the
 * SlowDown burst gets a part of its own (when there are two or more), the rest are dealt out
 * over the other parts so no part collects so many failures that backoff alone takes minutes.
 */
export function buildSchedule(
  rnd: Prng,
  partCount: number,
  partSize: number,
  scenario: Scenario,
  shim: Pick<SkewShim, 'wouldRefuse'>,
): { rules: ScheduledRule[]; skewPart: number | null } {
  const rules: ScheduledRule[] = [];
  const add = (name: string, kind: PlannedFault['kind'], target: string, times: number, rule?: FaultRule) =>
    rules.push({ planned: { name, kind, target, times }, ...(rule ? { rule } : {}) });
  const expired: FaultAction = { kind: 'status', status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' };
  if (scenario === 'clock-skew-at-completion') {
    add('clock-skew-403', 'clock-skew', 'from CompleteMultipartUpload on', 1);
    return { rules, skewPart: null };
  }
  if (scenario === 'expired-token-burst') {
    for (let part = 1; part <= partCount; part++) {
      add('expired-token-400', 'status', `part ${part}`, 4, { name: 'expired-token-400', match: isUploadPart(part), action: expired, times: 4 });
    }
    return { rules, skewPart: null };
  }
  const parts = rnd.shuffle(Array.from({ length: partCount }, (_, i) => i + 1));
  const burstPart = parts[0]!;
  const others = partCount >= 2 ? parts.slice(1) : parts;
  let next = 0;
  const deal = () => others[next++ % others.length]!;
  const onPart = (name: string, part: number, action: FaultAction, times = 1) =>
    add(name, action.kind, `part ${part}`, times, { name, match: isUploadPart(part), action, times });

  add('create-503', 'status', 'CreateMultipartUpload', 1, {
    name: 'create-503',
    match: isCreateMultipart(),
    action: { kind: 'status', status: 503, code: 'ServiceUnavailable', message: 'Please reduce your request rate.' },
  });
  onPart('slowdown-503-burst', burstPart, { kind: 'status', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, 5);
  onPart('reset-before-upstream', deal(), { kind: 'reset-before-upstream' });
  onPart('reset-mid-body', deal(), { kind: 'reset-mid-body', afterBytes: Math.floor(partSize / 2) });
  onPart('stall', deal(), { kind: 'stall' });
  onPart('internal-500', deal(), { kind: 'status', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' });
  onPart('expired-token-400', Math.ceil(partCount / 2), expired);
  onPart('reset-before-upstream', deal(), { kind: 'reset-before-upstream' });
  onPart('reset-mid-body', deal(), { kind: 'reset-mid-body', afterBytes: Math.floor(partSize / 3) });
  onPart('internal-500', deal(), { kind: 'status', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' });
  onPart('slow-response', deal(), { kind: 'delay', ms: 1_000 });
  const skewPart = Math.max(1, Math.ceil(partCount * 0.7));
  add('clock-skew-403', 'clock-skew', `from part ${skewPart} on`, 1);
  // The lost answer must be to a Complete that moto acts on, not one the skewed server refuses.
  add('lost-complete-answer', 'drop-response', 'CompleteMultipartUpload', 1, {
    name: 'lost-complete-answer',
    match: (req) => isCompleteMultipart()(req) && !shim.wouldRefuse(req.headers),
    action: { kind: 'drop-response' },
  });
  return { rules, skewPart };
}

export async function runFaultSchedule(options: FaultScheduleOptions): Promise<FaultRunResult[]> {
  const say = options.log ?? (() => undefined);
  const scenario = options.scenario ?? 'full';
  const stall = options.stallTimeoutSeconds ?? 2;
  const rnd = new Prng(options.seed).fork(`fault-schedule:${scenario}`);
  const home = join(options.workDir, 'home');
  let moto: MotoServer | null = null;
  let shim: SkewShim | null = null;
  let proxy: FaultProxy | null = null;
  let s3: ReturnType<typeof s3ClientFor> | null = null;
  const results: FaultRunResult[] = [];
  try {
    moto = await startMoto();
    shim = await startSkewShim(moto.endpoint);
    proxy = await startFaultProxy(shim.endpoint);
    s3 = s3ClientFor(moto.endpoint);
    const bucket = uniqueBucketName('chaos-faults');
    await createBucket(moto.endpoint, bucket);

    for (const [i, spec] of options.files.entries()) {
      const file = typeof spec === 'number' ? writeRandomFile(join(options.workDir, `faults-${i + 1}-${spec}.bin`), spec) : spec;
      const key = file.path.split(/[\\/]/).pop()!;
      const partCount = Math.max(1, Math.ceil(file.size / options.partSize));
      proxy.clearRules();
      const tap = tapUploadParts(proxy);
      shim.skewNow(0);
      const { rules, skewPart } = buildSchedule(rnd, partCount, options.partSize, scenario, shim);
      for (const r of rules) if (r.rule) proxy.addRule(r.rule);
      if (scenario === 'clock-skew-at-completion') shim.skewWhen((req) => isCompleteMultipart()(req), SKEW_MS);
      else if (skewPart !== null) shim.skewWhen((req) => isUploadPart(skewPart)(req), SKEW_MS);
      const names = [...new Set(rules.map((r) => r.planned.name))];
      const firedBefore = new Map(names.map((n) => [n, proxy!.fired(n)]));
      const refusalsBefore = shim.refusals.length;

      say(`fault run ${i + 1}/${options.files.length}: ${mib(file.size)}, ${partCount} parts of ${mib(options.partSize)}, scenario ${scenario}`);
      const started = Date.now();
      const cli = new TrackedCli(
        ['upload', file.path, '--bucket', bucket, '--endpoint', proxy.endpoint, '--part-size', `${options.partSize / MiB}MiB`, '--stall-timeout', String(stall), '--json'],
        home,
      );
      let exitCode: number | null = null;
      try {
        exitCode = (await cli.waitForExit(options.runTimeoutMs ?? 300_000)).code;
      } catch (error) {
        cli.kill();
        say(`  ${(error as Error).message.split('\n')[0]}`);
      }
      const wallSeconds = (Date.now() - started) / 1000;
      const transferId = (cli.transferLine?.transferId as string | undefined) ?? null;

      const refusals = shim.refusals.slice(refusalsBefore);
      const fired: Record<string, number> = {};
      for (const n of names) fired[n] = n === 'clock-skew-403' ? refusals.length : proxy.fired(n) - (firedBefore.get(n) ?? 0);
      const firedByKind: Record<string, number> = {};
      for (const n of names) {
        const kind = rules.find((r) => r.planned.name === n)!.planned.kind;
        firedByKind[kind] = (firedByKind[kind] ?? 0) + (fired[n] ?? 0);
      }
      const plannedTimes = (n: string) => rules.filter((r) => r.planned.name === n).reduce((s, r) => s + r.planned.times, 0);

      const object = await sha256OfObject(s3, bucket, key);
      const open = (await listOpenUploads(s3, bucket)).filter((u) => u.key === key);
      const events = transferId !== null ? await cliLog(home, transferId) : [];
      const retryCodes = countBy(
        events.filter((e) => e.type === 'retry'),
        (e) => (typeof e.data?.code === 'string' ? e.data.code : undefined),
      );
      const completeConfirmed = events.filter((e) => e.type === 'complete.confirmed').length;
      const byteIdentical = object !== null && object.sha256 === file.sha256 && object.size === file.size;

      const errorCode = (cli.result?.error as { code?: string } | undefined)?.code;
      const headSkewFailure = exitCode !== 0 && errorCode === 'ACCESS_DENIED' && refusals.some((r) => r.method === 'HEAD') ? HEAD_SKEW_FINDING : undefined;
      const checks: Check[] = [
        check(
          'upload exits 0 with a completed result',
          exitCode === 0 && cli.result?.status === 'completed',
          exitCode === 0 ? 'completed' : `exit ${exitCode}: ${JSON.stringify(cli.result?.error ?? cli.cli.stderr.trim().split('\n').at(-1) ?? '')}`,
          headSkewFailure,
        ),
        check('object is byte-identical', byteIdentical, object === null ? 'no object' : `${object.size} B, sha256 ${object.sha256.slice(0, 16)}…`),
        check('no multipart upload left open', open.length === 0, open.length === 0 ? 'none' : open.map((o) => o.uploadId).join(', ')),
      ];
      for (const n of names.filter((x) => x !== 'clock-skew-403')) {
        checks.push(check(`${n} fired ${plannedTimes(n)}×`, fired[n] === plannedTimes(n), `fired ${fired[n]}×`));
      }
      if (names.includes('clock-skew-403')) {
        checks.push(
          check(
            'the skewed server refused requests (RequestTimeTooSkewed) and the transfer still completed',
            refusals.length >= 1 && exitCode === 0,
            `${refusals.length} refusals: ${JSON.stringify(countBy(refusals, (r) => s3Op(r)))}`,
            headSkewFailure,
          ),
        );
      }
      // S3 error answers the proxy gives to UploadPart, and whether the engine saw them as such
      // (a retry logged with the matching code) or only as a broken connection.
      const recognised: Record<string, { fired: number; recognised: number }> = {};
      if (scenario === 'full') {
        const missing = EXPECTED_RETRY_CODES.filter((c) => !retryCodes[c]);
        checks.push(
          check(
            'the journal logged a retry of every kind (network, stall, 5xx, clock skew)',
            missing.length === 0,
            missing.length === 0 ? JSON.stringify(retryCodes) : `missing ${missing.join(', ')}; got ${JSON.stringify(retryCodes)}`,
          ),
        );
      }
      const n = (code: string) => retryCodes[code] ?? 0;
      if (names.includes('slowdown-503-burst')) recognised['SlowDown'] = { fired: fired['slowdown-503-burst'] ?? 0, recognised: n('THROTTLED') };
      if (names.includes('internal-500')) {
        recognised['InternalError'] = { fired: fired['internal-500'] ?? 0, recognised: Math.max(0, n('SERVICE_UNAVAILABLE') - (fired['create-503'] ?? 0)) };
      }
      if (names.includes('expired-token-400')) recognised['ExpiredToken'] = { fired: fired['expired-token-400'] ?? 0, recognised: n('CREDENTIALS_EXPIRED') };
      if (Object.keys(recognised).length > 0) {
        const lost = Object.entries(recognised).filter(([, v]) => v.recognised < v.fired);
        checks.push(
          check(
            'S3 error answers to UploadPart reach the engine as S3 errors',
            lost.length === 0,
            Object.entries(recognised)
              .map(([k, v]) => `${k} ${v.recognised}/${v.fired}`)
              .join(', ') + (lost.length > 0 ? ' recognised; the rest were logged as NETWORK (EPIPE/ECONNRESET)' : ' recognised'),
            EARLY_ANSWER_FINDING,
          ),
        );
      }

      const run: FaultRunResult = {
        file: file.path,
        size: file.size,
        partSize: options.partSize,
        partCount,
        transferId,
        exitCode,
        wallSeconds,
        planned: rules.map((r) => r.planned),
        fired,
        firedByKind,
        skewRefusalsByOp: countBy(refusals, (r) => s3Op(r)),
        uploadPartRequests: tap.requests.length,
        uploadPartBytes: tap.bytes(),
        resentBytes: tap.bytes() - file.size,
        uploadPartBytesStored: tap.split().stored,
        retryCodes,
        completeConfirmed,
        errorAnswersRecognised: recognised,
        byteIdentical,
        openUploads: open,
        result: cli.result,
        checks,
        ok: checks.every((c) => c.ok),
      };
      results.push(run);
      const totalFired = Object.values(fired).reduce((a, b) => a + b, 0);
      say(`  ${run.ok ? 'ok' : 'FAILED'}: exit ${exitCode} in ${wallSeconds.toFixed(1)} s, ${totalFired} faults fired, ${mib(run.resentBytes)} re-sent`);
      if (!run.ok) for (const c of checks.filter((x) => !x.ok)) say(`    ✗ ${c.name}: ${c.detail}`);
    }
    return results;
  } finally {
    await killLeftovers();
    s3?.destroy();
    await proxy?.close();
    await shim?.close();
    await moto?.stop();
  }
}
