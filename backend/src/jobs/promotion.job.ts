/**
 * The promotion worker: long-polls the dock's S3 event queue and promotes each created object
 * (see promoter.ts). A message is deleted only when every record in it is settled; after a
 * transient failure it is hidden for a growing delay and redelivered; a message that is not an S3
 * event is left alone so SQS moves it to the dead-letter queue after maxReceiveCount deliveries.
 * While a message is in hand its visibility is extended (a heartbeat), so a copy of many minutes
 * is not handed to a second worker halfway.
 */
import type { Logger } from 'pino';
import type { BackgroundJob } from '../domain/background-job.js';
import { JobStepError, type AvailabilityNotifier, type EventQueue, type PromotionStorage, type ReceivedMessage } from '../domain/job-ports.js';
import { MAX_SINGLE_COPY_BYTES, type CopyPlanOptions } from '../domain/promotion-plan.js';
import { redeliveryDelaySeconds } from '../domain/redelivery-delay.js';
import { parseS3EventMessage, S3EventParseError, type DockEventMessage, type ObjectCreatedRecord } from '../domain/s3-event.js';
import type { UploadStore } from '../domain/upload-store.js';
import { Promoter, type PromotionOutcome } from './promoter.js';

export interface PromotionJobOptions {
  readonly queue: EventQueue;
  readonly storage: PromotionStorage;
  readonly notifier: AvailabilityNotifier;
  readonly store: UploadStore;
  readonly logger: Logger;
  readonly dockBucket: string;
  readonly permanentBucket: string;
  readonly permanentKmsKeyArn: string;
  /** The dock's KMS key; only dock objects encrypted under it are promoted. */
  readonly dockKmsKeyArn: string;
  /** Long-poll wait (SQS allows 0-20 s). Default 20. */
  readonly waitTimeSeconds?: number;
  /** Messages handled at once (each receive asks for at most 10). Default 4. */
  readonly concurrency?: number;
  /** Visibility each heartbeat sets, in seconds. Default 120 (the template's queue default). */
  readonly visibilityTimeoutSeconds?: number;
  /** Heartbeat period. Default a third of the visibility timeout. */
  readonly heartbeatIntervalMs?: number;
  /** Redelivery delay after a transient failure: base·2^(n-1) s, capped. Default 5 s, cap 60 s. */
  readonly retryDelay?: { readonly baseSeconds: number; readonly capSeconds: number };
  /** Copy tuning; the threshold defaults to S3's 5 GiB CopyObject limit, parts to 512 MiB (raised to fit 10,000 parts: 5 GiB at 48.8 TiB). */
  readonly copy?: Partial<CopyPlanOptions>;
  readonly now?: () => number;
}

interface InHand {
  readonly message: ReceivedMessage;
  readonly done: Promise<void>;
  handedBack: boolean;
}

const DEFAULT_PART_SIZE = 512 * 1024 * 1024;

export class PromotionJob implements BackgroundJob {
  readonly name = 'promotion';
  private readonly promoter: Promoter;
  private readonly log: Logger;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private loop: Promise<void> | null = null;
  private readonly pollAbort = new AbortController();
  /** Aborted when stop() begins: cuts short the pause after a failed receive. */
  private readonly stopping = new AbortController();
  private readonly workAbort = new AbortController();
  private readonly inHand = new Map<string, InHand>();
  /** Per-upload chains: two events for one object in one instance run one after the other. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private slotFreed: (() => void) | null = null;

  constructor(private readonly options: PromotionJobOptions) {
    this.log = options.logger.child({ job: this.name });
    this.promoter = new Promoter({
      store: options.store,
      storage: options.storage,
      notifier: options.notifier,
      dockBucket: options.dockBucket,
      permanentBucket: options.permanentBucket,
      permanentKmsKeyArn: options.permanentKmsKeyArn,
      dockKmsKeyArn: options.dockKmsKeyArn,
      copy: {
        multipartThreshold: options.copy?.multipartThreshold ?? MAX_SINGLE_COPY_BYTES,
        partSize: options.copy?.partSize ?? DEFAULT_PART_SIZE,
        ...(options.copy?.minPartSize !== undefined ? { minPartSize: options.copy.minPartSize } : {}),
      },
      logger: this.log,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.log.info('promotion job started');
    this.loop = this.run();
  }

  async stop(graceMs: number): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.stopping.abort();
    this.slotFreed?.();
    // The poll in progress is let run out rather than aborted: SQS would still hand the messages
    // of an abandoned poll to nobody, and they would stay invisible for a whole visibility timeout.
    // Whatever it returns is handed back at once (see run()).
    const loop = this.loop ?? Promise.resolve();
    const drained = loop.then(() => Promise.allSettled([...this.inHand.values()].map((h) => h.done)));
    const finished = await settledWithin([drained], graceMs);
    if (finished) {
      this.log.info('promotion job stopped');
      this.state = 'stopped';
      return;
    }
    // Marked before the work is aborted, so no handler answers the abort with its own
    // visibility change (the retry delay) after the hand-back below.
    const unfinished = [...this.inHand.values()];
    for (const h of unfinished) h.handedBack = true;
    this.pollAbort.abort();
    this.workAbort.abort();
    await loop;
    // Visible again at once, so another instance takes them now rather than after the timeout.
    await Promise.all(unfinished.map((h) => this.handBack(h)));
    this.log.info({ handedBack: unfinished.length }, 'promotion job stopped; unfinished messages handed back');
    this.state = 'stopped';
  }

  private async handBack(entry: Pick<InHand, 'message' | 'handedBack'>): Promise<void> {
    entry.handedBack = true;
    try {
      await this.options.queue.setVisibility(entry.message.receiptHandle, 0);
    } catch (error) {
      this.log.warn({ err: error, messageId: entry.message.messageId }, 'could not hand a message back; it reappears after its visibility timeout');
    }
  }

  private get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? 4);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.state === 'running') {
      const free = this.concurrency - this.inHand.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        continue;
      }
      let messages: ReceivedMessage[];
      try {
        messages = await this.options.queue.receive({
          maxMessages: Math.min(10, free),
          waitSeconds: this.options.waitTimeSeconds ?? 20,
          signal: this.pollAbort.signal,
        });
        failures = 0;
      } catch (error) {
        failures += 1;
        const backoffMs = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        this.log.warn({ err: error, backoffMs }, 'receiving from the event queue failed; trying again');
        await sleep(backoffMs, this.stopping.signal);
        continue;
      }
      if (this.state !== 'running') {
        await Promise.all(messages.map((message) => this.handBack({ message, handedBack: false })));
        break;
      }
      for (const message of messages) this.track(message);
    }
  }

  private track(message: ReceivedMessage): void {
    const entry: InHand = { message, done: Promise.resolve(), handedBack: false };
    const done = this.handle(message, entry)
      .catch((error: unknown) => this.log.error({ err: error, messageId: message.messageId }, 'unexpected error handling a message'))
      .finally(() => {
        this.inHand.delete(message.messageId);
        this.slotFreed?.();
        this.slotFreed = null;
      });
    this.inHand.set(message.messageId, Object.assign(entry, { done }));
  }

  private async handle(message: ReceivedMessage, entry: InHand): Promise<void> {
    const log = this.log.child({ messageId: message.messageId, receiveCount: message.receiveCount });
    let parsed: DockEventMessage;
    try {
      parsed = parseS3EventMessage(message.body);
    } catch (error) {
      if (!(error instanceof S3EventParseError)) throw error;
      // Not deleted and not hurried back: SQS redelivers it after the visibility timeout and moves
      // it to the dead-letter queue after maxReceiveCount deliveries, where a person can read it.
      log.error({ err: error }, 'poison message on the event queue; leaving it for the dead-letter queue');
      return;
    }
    if (parsed.kind === 'test-event') {
      log.info({ bucket: parsed.bucket }, 's3:TestEvent ignored');
      await this.options.queue.delete(message.receiptHandle);
      return;
    }

    const heartbeat = this.startHeartbeat(message, entry, log);
    try {
      for (const record of distinct(parsed.created)) {
        const outcome = await this.serialised(record, () => this.promoter.promote(record, this.workAbort.signal));
        log.info({ key: record.key, outcome }, 'promotion: record handled');
      }
      if (entry.handedBack) return;
      await this.options.queue.delete(message.receiptHandle);
    } catch (error) {
      if (entry.handedBack) return;
      const delay = redeliveryDelaySeconds(message.receiveCount, this.options.retryDelay?.baseSeconds ?? 5, this.options.retryDelay?.capSeconds ?? 60);
      const level = error instanceof JobStepError ? 'warn' : 'error';
      log[level]({ err: error, retryInSeconds: delay }, 'promotion: not finished; the event will be redelivered');
      await this.options.queue.setVisibility(message.receiptHandle, delay).catch((e: unknown) => log.warn({ err: e }, 'could not shorten the visibility'));
    } finally {
      clearInterval(heartbeat);
    }
  }

  private startHeartbeat(message: ReceivedMessage, entry: InHand, log: Logger): NodeJS.Timeout {
    const visibility = this.options.visibilityTimeoutSeconds ?? 120;
    const every = this.options.heartbeatIntervalMs ?? Math.max(1000, (visibility * 1000) / 3);
    const timer = setInterval(() => {
      if (entry.handedBack) return;
      this.options.queue
        .setVisibility(message.receiptHandle, visibility)
        .catch((error: unknown) => log.warn({ err: error }, 'heartbeat: could not extend the visibility'));
    }, every);
    timer.unref();
    return timer;
  }

  private async serialised(record: ObjectCreatedRecord, work: () => Promise<PromotionOutcome>): Promise<PromotionOutcome> {
    const previous = this.chains.get(record.key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.chains.set(record.key, current);
    try {
      return await current;
    } finally {
      if (this.chains.get(record.key) === current) this.chains.delete(record.key);
    }
  }
}

/** Records of one message without repeats (same key and ETag). */
function distinct(records: readonly ObjectCreatedRecord[]): ObjectCreatedRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const id = `${r.bucket}\n${r.key}\n${r.eTag}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

async function settledWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
