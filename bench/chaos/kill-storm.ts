// The kill storm: one upload through the real CLI, SIGKILLed over and over at seeded random
// moments (while creating the multipart upload, mid-parts, while reconciling, at start-up, and
// while completing), resumed after each kill by `dockside resume ID` and `dockside upload FILE`
// in turn, then finished by a last `dockside resume`. Checked afterwards: the object is
// byte-identical to the file, no multipart upload is left open in the bucket, and the journal's
// event log tells the story of every run.
//
// Topology: CLI -> fault proxy (test/support/fault-proxy.ts) -> moto_server. The proxy counts
// UploadPart bytes (re-sent bytes) and shows which S3 call a run had reached when it was killed;
// three of its rules make chosen kills land in narrow windows:
//   create-answer-held   moto has created the upload but the CLI has not heard (so cannot have
//                        journaled it) when the kill lands: the orphan-upload window;
//   complete-held        completion kills before the last one: the Complete request is in
//                        flight and held before moto sees it (moto would otherwise assemble a
//                        multi-GiB object once per kill, in memory);
//   complete-answer-held the last kill: moto completes the object but the CLI never hears, so
//                        the final resume must recognise the completed object.
import { join } from 'node:path';
import { killLeftovers } from '../../test/main/cli/run-cli.js';
import { isCompleteMultipart, isCreateMultipart, startFaultProxy, type FaultProxy } from '../../test/support/fault-proxy.js';
import { createBucket, s3ClientFor, startMoto, uniqueBucketName, type MotoServer } from '../../test/support/moto-server.js';
import {
  check,
  cliList,
  cliLog,
  countBy,
  listOpenUploads,
  mib,
  MiB,
  Prng,
  s3Op,
  sha256OfObject,
  sleep,
  tapUploadParts,
  TrackedCli,
  writeRandomFile,
  type Check,
  type JournalTransfer,
  type LogEvent,
  type OpenUpload,
  type RandomFile,
  type S3Op,
} from './common.js';

export interface KillStormOptions {
  readonly fileSize: number;
  /** SIGKILLs before the final resume. */
  readonly kills: number;
  readonly seed: number;
  /** Scratch folder: the journal (DOCKSIDE_HOME) and, unless `file` is given, the file. */
  readonly workDir: string;
  /** The file to upload (e.g. cached under bench/.cache); generated in workDir otherwise. */
  readonly file?: RandomFile;
  /** --part-size in bytes (a whole MiB); the engine's default (16 MiB) when absent. */
  readonly partSize?: number;
  /** --concurrency; the engine's default (4) when absent. */
  readonly concurrency?: number;
  /**
   * --limit-rate for the killed runs (bytes/s), so their parts phase lasts long enough for the
   * mid-upload kills to land in it. 'auto' (default): about 1.5 s of sending per mid-upload kill.
   * The final resume is never limited.
   */
  readonly limitRate?: number | 'auto' | null;
  /** Kills that land while completing (default 3 from 10 kills, 1 from 3). */
  readonly completionKills?: number;
  /** Make the first kill land between CreateMultipartUpload and journaling its id (default true). */
  readonly createWindowKill?: boolean;
  readonly log?: (line: string) => void;
}

export type KillTrigger = 'create-window' | 'startup' | 'reconcile' | 'parts' | 'completing';
export type KillPhase = 'startup' | 'creating' | 'reconciling' | 'parts' | 'completing';

export interface KillRecord {
  readonly index: number;
  readonly command: 'upload' | 'resume';
  readonly trigger: KillTrigger;
  /** Where the run was when the kill landed, from the S3 calls it had made (proxy log). */
  readonly landed: KillPhase;
  /** The planned delay (ms) after the trigger's anchor (spawn, ListParts, first UploadPart, Complete). */
  readonly delayMs: number;
  /** Spawn to kill. */
  readonly runMs: number;
  /** False when the run ended by itself before the kill (a failed check). */
  readonly killed: boolean;
  readonly exitCode: number | null;
  readonly partsDoneAfter: number;
  readonly uploadIdJournaled: boolean;
}

export interface EventsSummary {
  readonly counts: Record<string, number>;
  /**
   * The final run abandoned the upload (upload.restarted) and sent the whole file again after
   * the last kill interrupted a completion: a known finding, kept out of `problems`.
   */
  readonly finalRunRestarted: boolean;
  /** `retry` events by error code and what was retried. */
  readonly retries: Record<string, number>;
  readonly runsThatStarted: number;
  /** Everything in the log that does not fit the story; empty when it does. */
  readonly problems: string[];
}

export interface KillStormResult {
  readonly seed: number;
  readonly fileSize: number;
  readonly fileSha256: string;
  readonly partSize: number;
  readonly partCount: number;
  readonly limitRate: number | null;
  readonly transferId: string | null;
  readonly plannedKills: number;
  /** Kills that landed on a running CLI. */
  readonly kills: number;
  readonly killsByPhase: Record<string, number>;
  readonly killLog: KillRecord[];
  readonly finalExitCode: number | null;
  readonly byteIdentical: boolean;
  readonly objectSha256: string | null;
  readonly orphanUploads: OpenUpload[];
  /** Kills that landed after moto created an upload and before the CLI could journal it. */
  readonly createWindowKills: number;
  readonly uploadPartRequests: number;
  readonly uploadPartBytes: number;
  /** UploadPart bytes through the proxy minus the file size. */
  readonly resentBytes: number;
  /** UploadPart bytes S3 answered 200 (stored, some of them twice because a kill came before the journal commit). */
  readonly uploadPartBytesStored: number;
  /** UploadPart bytes of requests a kill cut off (or that were never answered). */
  readonly uploadPartBytesCutOff: number;
  /** First spawn to the final resume's exit. */
  readonly wallSeconds: number;
  readonly events: EventsSummary;
  readonly checks: Check[];
  readonly ok: boolean;
}

interface RunInfo {
  readonly command: 'upload' | 'resume';
  readonly spawnAt: number;
  endAt: number;
  printedTransfer: boolean;
  printedProgress: boolean;
  readonly ops: Map<S3Op, number>;
  final: boolean;
}

export const ORPHAN_FINDING =
  'Engine: a kill after CreateMultipartUpload succeeded on S3 and before the upload id was journaled leaves that multipart upload open for ever: the next run creates another one and nothing adopts or aborts the first (transfer-runner.ts createUpload). Fixed 2026-11-23; if this shows, it has come back: see its regression test in test/chaos/chaos.integration.test.ts.';

export const RESTART_FINDING =
  'Engine: resuming while S3 is still completing the upload (a kill landed after CompleteMultipartUpload reached S3) can find the upload ' +
  'gone (NoSuchUpload) and the object not there yet; the runner then takes UPLOAD_NOT_FOUND as "aborted or expired", starts a new ' +
  'multipart upload and sends the whole file again (transfer-runner.ts ensureUpload/adoptCompletedObject, run). Seen against moto, ' +
  'which removes the upload before it stores the object. Fixed 2026-11-23; if this shows, it has come back: see its regression test in test/chaos/chaos.integration.test.ts.';

const HOLD_CREATE_MS = 2_000;
const CREATE_KILL_AFTER_MS = 300;
const HOLD_COMPLETE_ANSWER_MS = 3_000;
const POLL_MS = 5;

/** How the kills are split between phases. */
export function planKills(kills: number, options: Pick<KillStormOptions, 'completionKills' | 'createWindowKill'> = {}) {
  const create = options.createWindowKill !== false && kills >= 1 ? 1 : 0;
  const completion = Math.min(options.completionKills ?? (kills >= 10 ? 3 : kills >= 3 ? 1 : 0), kills - create);
  return { create, completion, mid: kills - create - completion };
}

export async function runKillStorm(options: KillStormOptions): Promise<KillStormResult> {
  const say = options.log ?? (() => undefined);
  const rnd = new Prng(options.seed).fork('kill-storm');
  const plan = planKills(options.kills, options);
  const file = options.file ?? writeRandomFile(join(options.workDir, `storm-${options.fileSize}.bin`), options.fileSize);
  const home = join(options.workDir, 'home');
  const limitRate =
    options.limitRate === null ? null : typeof options.limitRate === 'number' ? options.limitRate : Math.max(2e6, Math.round(file.size / (Math.max(1, plan.mid) * 1.5)));

  let moto: MotoServer | null = null;
  let proxy: FaultProxy | null = null;
  const s3Holder: { client: ReturnType<typeof s3ClientFor> | null } = { client: null };
  try {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    const s3 = (s3Holder.client = s3ClientFor(moto.endpoint));
    const bucket = uniqueBucketName('chaos-storm');
    await createBucket(moto.endpoint, bucket);
    const key = file.path.split(/[\\/]/).pop()!;
    const tap = tapUploadParts(proxy);
    const windows = { holdCreate: false, holdComplete: false, holdCompleteAnswer: false };
    proxy.addRule({ name: 'create-answer-held', match: (r) => windows.holdCreate && isCreateMultipart()(r), action: { kind: 'delay', ms: HOLD_CREATE_MS }, times: Infinity });
    proxy.addRule({ name: 'complete-held', match: (r) => windows.holdComplete && isCompleteMultipart()(r), action: { kind: 'stall' }, times: Infinity });
    proxy.addRule({
      name: 'complete-answer-held',
      match: (r) => windows.holdCompleteAnswer && isCompleteMultipart()(r),
      action: { kind: 'delay', ms: HOLD_COMPLETE_ANSWER_MS },
      times: Infinity,
    });
    const p = proxy;

    const common = [
      '--json',
      ...(options.concurrency !== undefined ? ['--concurrency', String(options.concurrency)] : []),
    ];
    const limited = limitRate !== null ? ['--limit-rate', String(limitRate)] : [];
    const uploadArgs = [
      'upload',
      file.path,
      '--bucket',
      bucket,
      '--endpoint',
      p.endpoint,
      ...(options.partSize !== undefined ? ['--part-size', `${options.partSize / MiB}MiB`] : []),
      ...common,
    ];

    say(
      `kill storm: ${mib(file.size)} file, ${options.kills} kills (${plan.create} in the create window, ~${plan.mid} mid-upload, ${plan.completion} while completing), ` +
        `seed ${options.seed}, killed runs limited to ${limitRate === null ? 'no limit' : `${(limitRate / 1e6).toFixed(1)} MB/s`}`,
    );

    const runs: RunInfo[] = [];
    const killLog: KillRecord[] = [];
    let record: JournalTransfer | null = null;
    let transferId: string | null = null;
    let left = { ...plan };
    let rateEstimate = limitRate ?? 100 * MiB;
    let createWindowKills = 0;
    let endedEarly = false;
    const t0 = Date.now();

    /** Runs one CLI process until `shouldKill` says so (or it ends by itself). */
    const runOnce = async (
      command: 'upload' | 'resume',
      args: string[],
      shouldKill: ((run: RunInfo, cli: TrackedCli, now: number) => boolean) | null,
      timeoutMs: number,
    ): Promise<{ run: RunInfo; cli: TrackedCli; killed: boolean }> => {
      const logStart = p.log.length;
      const cli = new TrackedCli(args, home);
      const run: RunInfo = { command, spawnAt: cli.startedAt, endAt: 0, printedTransfer: false, printedProgress: false, ops: new Map(), final: shouldKill === null };
      runs.push(run);
      let seen = logStart;
      let killed = false;
      for (;;) {
        const now = Date.now();
        for (; seen < p.log.length; seen++) {
          const op = s3Op(p.log[seen]!);
          if (!run.ops.has(op)) run.ops.set(op, now);
        }
        if (!cli.running) break;
        if (shouldKill && shouldKill(run, cli, now)) {
          cli.kill();
          killed = true;
          break;
        }
        if (now - cli.startedAt > timeoutMs) {
          cli.kill();
          await cli.waitForExit(30_000).catch(() => undefined);
          throw new Error(`dockside ${args.join(' ')} ran for more than ${Math.round(timeoutMs / 1000)} s.\n${cli.cli.transcript()}`);
        }
        await sleep(POLL_MS);
      }
      await cli.waitForExit(60_000);
      // Requests the run made just before it died.
      for (; seen < p.log.length; seen++) {
        const op = s3Op(p.log[seen]!);
        if (!run.ops.has(op)) run.ops.set(op, Date.now());
      }
      run.endAt = Date.now();
      run.printedTransfer = cli.transferLine !== null;
      run.printedProgress = cli.progress.length > 0;
      return { run, cli, killed };
    };

    for (let k = 1; k <= options.kills; k++) {
      const runIndex = runs.length;
      const command: 'upload' | 'resume' = transferId === null || runIndex % 2 === 0 ? 'upload' : 'resume';
      const args = command === 'upload' ? [...uploadArgs, ...limited] : ['resume', transferId!, ...common, ...limited];
      const hasUpload = record !== null && record.uploadId !== null;
      const allPartsDone = record !== null && record.partsDone === record.partCount;

      // Every kill draws the same numbers whatever happens, so a replay follows the same stream
      // even where timing makes one kill land differently.
      const r = rnd.next();
      const draws = { startup: rnd.between(100, 1_200), reconcile: rnd.between(0, 30), parts: rnd.between(0.3, 1.7), completing: rnd.between(50, 300) };
      let trigger: KillTrigger;
      if (left.create > 0 && !hasUpload) trigger = 'create-window';
      else if (left.mid > 0 && !allPartsDone) {
        // One in ten at start-up, one in ten while reconciling, once a mid-parts kill has landed.
        const partsKillLanded = killLog.some((x) => x.killed && x.landed === 'parts');
        trigger = !partsKillLanded ? 'parts' : r < 0.1 ? 'startup' : r < 0.2 && hasUpload ? 'reconcile' : 'parts';
      } else trigger = 'completing';
      const isLast = k === options.kills;
      windows.holdCreate = trigger === 'create-window';
      windows.holdComplete = !isLast;
      windows.holdCompleteAnswer = isLast;

      const remaining = file.size - (record?.bytesDone ?? 0);
      let delayMs: number;
      switch (trigger) {
        case 'create-window':
          delayMs = CREATE_KILL_AFTER_MS;
          break;
        case 'startup':
          delayMs = draws.startup;
          break;
        case 'reconcile':
          delayMs = draws.reconcile;
          break;
        case 'parts':
          delayMs = Math.max(100, ((draws.parts * remaining) / (left.mid + 1) / rateEstimate) * 1000);
          break;
        case 'completing':
          delayMs = draws.completing;
          break;
      }
      const completingNow = (run: RunInfo, cli: TrackedCli, now: number) => {
        const at = run.ops.get('complete');
        return cli.lastState === 'completing' && at !== undefined && now - at >= Math.min(delayMs, 300);
      };
      const shouldKill = (run: RunInfo, cli: TrackedCli, now: number): boolean => {
        switch (trigger) {
          case 'create-window': {
            const at = run.ops.get('create');
            return at !== undefined && now - at >= delayMs;
          }
          case 'startup':
            return now - run.spawnAt >= delayMs || completingNow(run, cli, now);
          case 'reconcile': {
            const at = run.ops.get('list-parts');
            return (at !== undefined && now - at >= delayMs) || run.ops.has('upload-part') || completingNow(run, cli, now);
          }
          case 'parts': {
            const at = run.ops.get('upload-part');
            return (at !== undefined && now - at >= delayMs) || completingNow(run, cli, now);
          }
          case 'completing':
            return completingNow(run, cli, now);
        }
      };
      const timeoutMs = 120_000 + (remaining / (limitRate ?? 20e6)) * 3_000;
      const { run, cli, killed } = await runOnce(command, args, shouldKill, timeoutMs);

      if (trigger === 'create-window') left = { ...left, create: left.create - 1 };
      else if (trigger === 'completing') left = { ...left, completion: left.completion - 1 };
      else left = { ...left, mid: left.mid - 1 };

      // Learn the speed of the parts phase from the progress lines (bytes handed to the network).
      const sending = cli.progress.filter((l) => l.state === 'running');
      const first = sending[0];
      const last = sending.at(-1);
      if (first && last && last.at - first.at >= 500 && last.bytesDone > first.bytesDone) {
        rateEstimate = 0.5 * rateEstimate + (0.5 * (last.bytesDone - first.bytesDone) * 1000) / (last.at - first.at);
      }

      const listed = await cliList(home);
      transferId ??= (cli.transferLine?.transferId as string | undefined) ?? listed.find((t) => t.filePath === file.path)?.id ?? null;
      record = listed.find((t) => t.id === transferId) ?? null;
      const landed = landedPhase(run);
      if (killed && landed === 'creating' && run.ops.has('create') && record !== null && record.uploadId === null) createWindowKills += 1;
      const entry: KillRecord = {
        index: k,
        command,
        trigger,
        landed,
        delayMs: Math.round(delayMs),
        runMs: run.endAt - run.spawnAt,
        killed,
        exitCode: cli.exit?.code ?? null,
        partsDoneAfter: record?.partsDone ?? 0,
        uploadIdJournaled: record?.uploadId != null,
      };
      killLog.push(entry);
      say(
        `  kill ${String(k).padStart(2)}/${options.kills}  ${command.padEnd(6)} trigger=${trigger.padEnd(13)} landed=${landed.padEnd(11)} ` +
          `after ${(entry.runMs / 1000).toFixed(2)} s  journal ${entry.partsDoneAfter}/${record?.partCount ?? '?'} parts` +
          (killed ? '' : `  (ended by itself, exit ${entry.exitCode})`),
      );
      if (!killed && cli.exit?.code === 0) {
        endedEarly = true;
        break;
      }
    }

    // The final resume, without a rate limit: it must finish the transfer.
    windows.holdCreate = false;
    windows.holdComplete = false;
    windows.holdCompleteAnswer = false;
    let finalExitCode: number | null = null;
    let finalResult: Record<string, unknown> | null = null;
    if (!endedEarly) {
      // `upload` only if no run got as far as journaling the transfer (--kills 0).
      const finalRun =
        transferId !== null
          ? await runOnce('resume', ['resume', transferId, ...common], null, 600_000 + (file.size / 20e6) * 1_000)
          : await runOnce('upload', uploadArgs, null, 600_000 + (file.size / 20e6) * 1_000);
      transferId ??= (finalRun.cli.transferLine?.transferId as string | undefined) ?? null;
      finalExitCode = finalRun.cli.exit?.code ?? null;
      finalResult = finalRun.cli.result;
      say(`  final ${finalRun.run.command}: exit ${finalExitCode}${finalExitCode === 0 ? '' : `\n${finalRun.cli.cli.transcript()}`}`);
    } else {
      finalExitCode = 0;
    }
    const wallSeconds = (Date.now() - t0) / 1000;

    // Checks.
    say('  checking the object (GetObject, streamed sha256), open uploads and the event log…');
    const object = await sha256OfObject(s3, bucket, key);
    const orphans = await listOpenUploads(s3, bucket);
    const events = transferId !== null ? await cliLog(home, transferId) : [];
    const finalRecord = transferId !== null ? ((await cliList(home)).find((t) => t.id === transferId) ?? null) : null;
    const story = tellStory(events, runs, killLog);
    const landedKills = killLog.filter((k) => k.killed).length;
    const orphansExplained = orphans.length > 0 && orphans.length <= createWindowKills && orphans.every((o) => o.uploadId !== finalRecord?.uploadId);

    const checks: Check[] = [
      check('final run (resume) exits 0', finalExitCode === 0 && (finalResult?.status === 'completed' || endedEarly), `exit ${finalExitCode}`),
      check('every kill landed on a running CLI', landedKills === options.kills, `${landedKills} of ${options.kills}`),
      check(
        'kills landed in every phase',
        (plan.mid === 0 || killLog.some((k) => k.killed && k.landed === 'parts')) &&
          (plan.completion === 0 || killLog.some((k) => k.killed && k.landed === 'completing')) &&
          (plan.create === 0 || killLog.some((k) => k.killed && k.landed === 'creating')),
        JSON.stringify(countBy(killLog.filter((k) => k.killed), (k) => k.landed)),
      ),
      check(
        'object is byte-identical (sha256 of GetObject vs file)',
        object !== null && object.sha256 === file.sha256 && object.size === file.size,
        object === null ? 'no object' : `${object.sha256.slice(0, 16)}… ${object.size} B vs ${file.sha256.slice(0, 16)}… ${file.size} B`,
      ),
      check(
        'journal says completed, every part journaled',
        finalRecord?.state === 'completed' && finalRecord.partsDone === finalRecord.partCount,
        finalRecord ? `${finalRecord.state}, ${finalRecord.partsDone}/${finalRecord.partCount} parts` : 'no transfer',
      ),
      check(
        'no multipart upload left open (ListMultipartUploads)',
        orphans.length === 0,
        orphans.length === 0
          ? 'none'
          : `${orphans.length} open: ${orphans.map((o) => o.uploadId).join(', ')}${orphansExplained ? ` (each from a kill in the create window: ${createWindowKills})` : ''}`,
        orphansExplained ? ORPHAN_FINDING : undefined,
      ),
      check('the event log tells the whole story', story.problems.length === 0, story.problems.length === 0 ? JSON.stringify(story.counts) : story.problems.join('; ')),
      check(
        'the final resume finished the interrupted completion (no new upload, no part sent again)',
        !story.finalRunRestarted,
        story.finalRunRestarted
          ? `upload.restarted: ListParts found no upload and HeadObject no object yet (S3 still completing it), so the whole file was sent again`
          : 'yes',
        story.finalRunRestarted ? RESTART_FINDING : undefined,
      ),
    ];

    const result: KillStormResult = {
      seed: options.seed,
      fileSize: file.size,
      fileSha256: file.sha256,
      partSize: finalRecord?.partSize ?? record?.partSize ?? 0,
      partCount: finalRecord?.partCount ?? record?.partCount ?? 0,
      limitRate,
      transferId,
      plannedKills: options.kills,
      kills: landedKills,
      killsByPhase: countBy(killLog.filter((k) => k.killed), (k) => k.landed),
      killLog,
      finalExitCode,
      byteIdentical: object !== null && object.sha256 === file.sha256 && object.size === file.size,
      objectSha256: object?.sha256 ?? null,
      orphanUploads: orphans,
      createWindowKills,
      uploadPartRequests: tap.requests.length,
      uploadPartBytes: tap.bytes(),
      resentBytes: tap.bytes() - file.size,
      uploadPartBytesStored: tap.split().stored,
      uploadPartBytesCutOff: tap.split().notStored,
      wallSeconds,
      events: story,
      checks,
      ok: checks.every((c) => c.ok),
    };
    return result;
  } finally {
    await killLeftovers();
    s3Holder.client?.destroy();
    await proxy?.close();
    await moto?.stop();
  }
}

function landedPhase(run: RunInfo): KillPhase {
  if (run.ops.has('complete')) return 'completing';
  if (run.ops.has('upload-part')) return 'parts';
  if (run.ops.has('list-parts')) return 'reconciling';
  if (run.ops.has('create')) return 'creating';
  return 'startup';
}

/**
 * Checks the journal's event log against the runs: one transfer.created; per run at most one
 * transfer.started / transfer.resumed (exactly one if the run got as far as printing progress);
 * started before the upload was journaled, resumed after; a resume.reconciled in every resumed
 * run that went on to send parts or complete; transfer.reused for each later `upload`; one
 * transfer.completed, in the final run; nothing failed, cancelled or restarted.
 */
export function tellStory(events: readonly LogEvent[], runs: readonly RunInfo[], kills: readonly KillRecord[]): EventsSummary {
  const problems: string[] = [];
  const counts = countBy(events, (e) => e.type);
  const n = (type: string) => counts[type] ?? 0;
  if (n('transfer.created') !== 1) problems.push(`${n('transfer.created')} transfer.created (expected 1)`);
  else if (events[0]?.type !== 'transfer.created') problems.push('transfer.created is not the first event');
  if (n('transfer.completed') !== 1) problems.push(`${n('transfer.completed')} transfer.completed (expected 1)`);
  const inRun = (run: RunInfo, e: LogEvent) => e.at >= run.spawnAt - 5 && e.at <= run.endAt + 5;
  const finalRun = runs.find((r) => r.final);
  const lastKill = kills.at(-1);
  const restarts = events.filter((e) => e.type === 'upload.restarted');
  const finalRunRestarted =
    finalRun !== undefined && lastKill?.landed === 'completing' && restarts.length === 1 && inRun(finalRun, restarts[0]!);
  const expectedCreates = finalRunRestarted ? 2 : 1;
  if (n('upload.created') !== expectedCreates) problems.push(`${n('upload.created')} upload.created (expected ${expectedCreates})`);
  for (const bad of ['transfer.failed', 'transfer.cancelled']) if (n(bad) > 0) problems.push(`${n(bad)} ${bad}`);
  if (restarts.length > 0 && !finalRunRestarted) problems.push(`${restarts.length} upload.restarted`);

  const uploadCreatedAt = events.find((e) => e.type === 'upload.created')?.at ?? Infinity;
  let runsThatStarted = 0;
  const claimed = new Set<number>();
  runs.forEach((run, i) => {
    const label = run.final ? 'the final run' : `run ${i + 1} (kill ${kills[i]?.index ?? '?'}, ${run.command})`;
    const mine = events.filter((e) => inRun(run, e));
    for (const e of mine) claimed.add(e.id);
    const starts = mine.filter((e) => e.type === 'transfer.started' || e.type === 'transfer.resumed');
    if (starts.length > 1) problems.push(`${label}: ${starts.length} start events`);
    if (starts.length === 1) runsThatStarted += 1;
    if (run.printedProgress && starts.length !== 1) problems.push(`${label}: printed progress but logged no transfer.started/resumed`);
    for (const s of starts) {
      if (s.type === 'transfer.started' && s.at > uploadCreatedAt) problems.push(`${label}: transfer.started after the upload was journaled`);
      if (s.type === 'transfer.resumed' && s.at < uploadCreatedAt) problems.push(`${label}: transfer.resumed before any upload was journaled`);
    }
    const resumed = starts.some((s) => s.type === 'transfer.resumed');
    const reconciled = mine.filter((e) => e.type === 'resume.reconciled').length;
    if (reconciled > 0 && !resumed) problems.push(`${label}: resume.reconciled without transfer.resumed`);
    if (reconciled > 1) problems.push(`${label}: ${reconciled} resume.reconciled`);
    const confirmed = mine.some((e) => e.type === 'complete.confirmed');
    const restartedHere = mine.some((e) => e.type === 'upload.restarted');
    if (resumed && (run.ops.has('upload-part') || run.ops.has('complete')) && reconciled === 0 && !confirmed && !restartedHere) {
      problems.push(`${label}: sent parts or completed after resuming without resume.reconciled`);
    }
    if (run.command === 'upload' && i > 0 && run.printedTransfer && !mine.some((e) => e.type === 'transfer.reused')) {
      problems.push(`${label}: \`upload\` of the same file did not log transfer.reused`);
    }
    const completed = mine.filter((e) => e.type === 'transfer.completed').length;
    if (run.final && completed !== 1) problems.push(`the final run logged ${completed} transfer.completed`);
    if (!run.final && completed > 0) problems.push(`${label}: logged transfer.completed before the final run`);
  });
  const stray = events.filter((e) => !claimed.has(e.id));
  if (stray.length > 0) problems.push(`${stray.length} events outside every run: ${[...new Set(stray.map((e) => e.type))].join(', ')}`);
  const retries = countBy(
    events.filter((e) => e.type === 'retry'),
    (e) => `${String(e.data?.code)} (${String(e.data?.what ?? '?').replace(/^part \d+$/, 'a part')})`,
  );
  return { counts, finalRunRestarted, retries, runsThatStarted, problems };
}
