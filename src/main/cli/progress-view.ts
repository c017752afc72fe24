/**
 * How the CLI shows transfers: a live bar per file on a terminal, a line every few seconds when
 * output is piped, or JSON lines for scripts (--json). Progress goes to stderr in the human
 * modes so stdout carries only results. File names, keys and messages are shown with their
 * control characters escaped (terminal-text.ts): a name's ESC[2J never clears the screen.
 */
import cliProgress from 'cli-progress';
import type { CompletedUpload, TransferLogEntry, TransferProgress, TransferRecord } from '../../shared/transfer-model.js';
import { formatBytes, formatEta, formatPercent, formatRate } from '../../shared/units.js';
import type { ErrorInfo } from '../../shared/errors.js';
import { jsonText, visible, visibly } from '../../shared/terminal-text.js';
import { describeVerification, isWeakVerification } from '../../shared/verification.js';

export type OutputMode = 'tty' | 'plain' | 'json';

export interface ProgressView {
  added(record: TransferRecord): void;
  progress(p: TransferProgress): void;
  log(entry: TransferLogEntry): void;
  completed(record: TransferRecord, result: CompletedUpload): void;
  failed(record: TransferRecord, error: ErrorInfo): void;
  interrupted(record: TransferRecord): void;
  stop(): void;
}

/** Picks the view for the output mode. */
export function createProgressView(mode: OutputMode, out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr): ProgressView {
  switch (mode) {
    case 'json':
      return new JsonView(out);
    case 'tty':
      return new BarView(out, err);
    case 'plain':
      return new PlainView(out, err);
  }
}

function label(record: TransferRecord): string {
  const name = visible(record.filePath.split(/[\\/]/).pop() ?? record.filePath);
  return name.length > 28 ? `${name.slice(0, 27)}…` : name;
}

function summary(p: TransferProgress): string {
  return `${formatPercent(p.bytesDone, p.bytesTotal)}  ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}  ${formatRate(p.bytesPerSecond)}  ${timeLeft(p)}`;
}

function timeLeft(p: TransferProgress): string {
  if (p.checking) {
    const what = p.checking.what === 'sample' ? 'checking sent parts' : 'checking the file';
    return `${what} ${formatPercent(p.checking.bytesDone, p.checking.bytesTotal)}`;
  }
  if (p.state === 'completing') return 'completing…';
  if (p.state === 'completed') return 'done';
  if (p.state === 'paused' || p.state === 'failed') return p.state;
  return formatEta(p.etaSeconds);
}

/** The outcome of a completed file, and on a line of its own what verified it. */
function doneLine(record: TransferRecord, result: CompletedUpload): string {
  const mark = isWeakVerification(result.verification, result.fileReread) ? '!' : '✓';
  return (
    visibly`${mark} ${record.filePath} → s3://${result.bucket}/${result.key} (${formatBytes(result.size)}, CRC32 ${result.checksum})` +
    `\n  ${describeVerification(result.verification, result.fileReread)}`
  );
}

/** Warnings and errors from the log, but the completion: the done line says what it said. */
function shownFromLog(entry: TransferLogEntry): boolean {
  return (entry.level === 'warn' || entry.level === 'error') && entry.type !== 'transfer.completed';
}

function resumeHint(record: TransferRecord): string {
  return `  resume with: dockside resume ${record.id}`;
}

function failedHint(record: TransferRecord, error: ErrorInfo): string {
  // Busy elsewhere: nothing to fix here. Cancelled by the backend: the message says to upload again.
  if (error.code === 'TRANSFER_BUSY' || error.code === 'UPLOAD_CANCELLED') return '';
  return `\n  once the cause is fixed: dockside resume ${record.id}   (or drop it: dockside cancel ${record.id})`;
}

class JsonView implements ProgressView {
  constructor(private readonly out: NodeJS.WriteStream) {}
  private write(value: unknown): void {
    this.out.write(`${jsonText(value)}\n`);
  }
  added(record: TransferRecord): void {
    this.write({ type: 'transfer', transferId: record.id, file: record.filePath, bucket: record.target.bucket, key: record.target.key, size: record.fileSize, partSize: record.partSize, partCount: record.partCount });
  }
  progress(p: TransferProgress): void {
    this.write({ type: 'progress', ...p });
  }
  log(entry: TransferLogEntry): void {
    const { type: event, ...rest } = entry;
    if (entry.level === 'warn' || entry.level === 'error') this.write({ type: 'log', event, ...rest });
  }
  completed(record: TransferRecord, result: CompletedUpload): void {
    this.write({ type: 'result', status: 'completed', file: record.filePath, ...result });
  }
  failed(record: TransferRecord, error: ErrorInfo): void {
    this.write({ type: 'result', status: 'failed', transferId: record.id, file: record.filePath, bucket: record.target.bucket, key: record.target.key, error });
  }
  interrupted(record: TransferRecord): void {
    this.write({ type: 'result', status: 'paused', transferId: record.id, file: record.filePath, bucket: record.target.bucket, key: record.target.key });
  }
  stop(): void {}
}

class BarView implements ProgressView {
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly multibar: cliProgress.MultiBar;
  constructor(
    private readonly out: NodeJS.WriteStream,
    err: NodeJS.WriteStream,
  ) {
    this.multibar = new cliProgress.MultiBar(
      {
        stream: err,
        // Not {total} or {eta}: those are cli-progress's own raw values.
        format: ' {name} |{bar}| {pct}  {done} of {size}  {speed}  {left}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 5,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  added(record: TransferRecord): void {
    this.bars.set(
      record.id,
      this.multibar.create(Math.max(1, record.fileSize), record.bytesDone, {
        name: label(record).padEnd(28),
        pct: formatPercent(record.bytesDone, record.fileSize),
        done: formatBytes(record.bytesDone),
        size: formatBytes(record.fileSize),
        speed: '',
        left: 'starting…',
      }),
    );
  }
  progress(p: TransferProgress): void {
    this.bars.get(p.transferId)?.update(p.bytesDone, {
      pct: formatPercent(p.bytesDone, p.bytesTotal),
      done: formatBytes(p.bytesDone),
      size: formatBytes(p.bytesTotal),
      speed: formatRate(p.bytesPerSecond),
      left: timeLeft(p),
    });
  }
  log(entry: TransferLogEntry): void {
    if (shownFromLog(entry)) this.multibar.log(`${entry.level === 'error' ? '✗' : '!'} ${visible(entry.message)}\n`);
  }
  completed(record: TransferRecord, result: CompletedUpload): void {
    this.bars.get(record.id)?.update(Math.max(1, record.fileSize), { pct: '100.0 %', done: formatBytes(record.fileSize), left: 'done', speed: '' });
    this.after(`${doneLine(record, result)}\n`);
  }
  failed(record: TransferRecord, error: ErrorInfo): void {
    this.bars.get(record.id)?.update({ left: 'failed' });
    this.after(`${visibly`✗ ${record.filePath}: ${error.message}`}${failedHint(record, error)}\n`);
  }
  interrupted(record: TransferRecord): void {
    this.bars.get(record.id)?.update({ left: 'paused' });
    this.after(`${visibly`‖ ${record.filePath}: paused`}\n${resumeHint(record)}\n`);
  }
  private readonly pending: string[] = [];
  private after(line: string): void {
    this.pending.push(line);
  }
  stop(): void {
    this.multibar.stop();
    for (const line of this.pending.splice(0)) this.out.write(line);
  }
}

class PlainView implements ProgressView {
  private readonly lastPrinted = new Map<string, number>();
  private readonly records = new Map<string, TransferRecord>();
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly err: NodeJS.WriteStream,
    private readonly everyMs = 5_000,
  ) {}
  added(record: TransferRecord): void {
    this.records.set(record.id, record);
    this.err.write(`${visibly`${record.filePath} → s3://${record.target.bucket}/${record.target.key}`} (${formatBytes(record.fileSize)}, ${record.partCount} ${record.partCount === 1 ? 'part' : 'parts'}) [${record.id}]\n`);
  }
  progress(p: TransferProgress): void {
    // Only while it runs: the outcome gets a line of its own.
    if (p.state !== 'running' && p.state !== 'completing') return;
    const now = Date.now();
    if (now - (this.lastPrinted.get(p.transferId) ?? 0) < this.everyMs) return;
    this.lastPrinted.set(p.transferId, now);
    const record = this.records.get(p.transferId);
    this.err.write(`${record ? label(record) : p.transferId}: ${summary(p)}\n`);
  }
  log(entry: TransferLogEntry): void {
    if (shownFromLog(entry)) this.err.write(`${entry.level}: ${visible(entry.message)}\n`);
  }
  completed(record: TransferRecord, result: CompletedUpload): void {
    this.out.write(`${doneLine(record, result)}\n`);
  }
  failed(record: TransferRecord, error: ErrorInfo): void {
    this.out.write(`${visibly`✗ ${record.filePath}: ${error.message}`}${failedHint(record, error)}\n`);
  }
  interrupted(record: TransferRecord): void {
    this.out.write(`${visibly`‖ ${record.filePath}: paused`}\n${resumeHint(record)}\n`);
  }
  stop(): void {}
}
