/**
 * The transfer log as people read it, shared by the app's log view and `dockside log`: filters by
 * transfer, lowest level, time and a search text, newest entries kept, secret-named data omitted.
 */
import type { LogEntry, LogQuery } from '../../shared/ipc-contract.js';
import type { TransferLogEntry } from '../../shared/transfer-model.js';
import type { LogQuery as JournalLogQuery, UploadJournal } from '../engine/index.js';
import { redactSecrets } from './redact.js';
import { visible } from '../../shared/terminal-text.js';

/** Rows fetched at a time when a search filters the log. */
const SEARCH_PAGE = 5000;

/** The filters of a log query without its limit: every matching entry. */
export type LogFilter = Omit<LogQuery, 'limit'>;

/**
 * The transfer log for the window: `level` is the lowest level shown (as `dockside log --level`),
 * `search` matches message or type case-insensitively. The window wants what happened last, so
 * this is the newest `limit` matching entries, in time order (oldest of them first).
 */
export function queryLog(journal: Pick<UploadJournal, 'queryLog'>, query: LogQuery): LogEntry[] {
  // The journal pages forwards by id; keep only the tail (a log of a few hundred thousand
  // entries is read in well under a second, and only when the window asks).
  let tail: TransferLogEntry[] = [];
  for (const entry of matchingEntries(journal, query)) {
    tail.push(entry);
    if (tail.length > query.limit * 2) tail = tail.slice(-query.limit);
  }
  return tail.slice(-query.limit).map(toLogEntry);
}

/**
 * Every entry matching `filter`, oldest first, read from the journal a page at a time (for
 * `dockside log` without --limit and the diagnostics bundle: the whole log never sits in memory).
 * Entries are as journaled; pass them through `toLogEntry` before they leave main.
 */
export function* matchingEntries(journal: Pick<UploadJournal, 'queryLog'>, filter: LogFilter): Generator<TransferLogEntry> {
  const base: JournalLogQuery = {
    ...(filter.transferId !== undefined ? { transferId: filter.transferId } : {}),
    ...(filter.level !== undefined ? { minLevel: filter.level } : {}),
    ...(filter.since !== undefined ? { since: filter.since } : {}),
    ...(filter.until !== undefined ? { until: filter.until } : {}),
  };
  const needle = filter.search?.trim().toLowerCase();
  const matches = (entry: TransferLogEntry) => !needle || entry.message.toLowerCase().includes(needle) || entry.type.toLowerCase().includes(needle);
  let afterId: number | undefined;
  for (;;) {
    const page = journal.queryLog({ ...base, limit: SEARCH_PAGE, ...(afterId !== undefined ? { afterId } : {}) });
    for (const entry of page) if (matches(entry)) yield entry;
    if (page.length < SEARCH_PAGE) return;
    afterId = page.at(-1)!.id;
  }
}

/** A journal entry as the window gets it, with anything secret-named left out of its data. */
export function toLogEntry(entry: TransferLogEntry): LogEntry {
  return {
    id: entry.id,
    transferId: entry.transferId,
    at: entry.at,
    level: entry.level,
    type: entry.type,
    message: entry.message,
    data: entry.data === null ? null : redactSecrets({ ...entry.data }, { omit: true }),
  };
}

/**
 * One log entry as a line for people: time (UTC), level, [transfer], message. One line indeed:
 * a message quotes file names and servers' errors, whose control characters are shown escaped.
 */
export function humanLine(entry: Pick<TransferLogEntry, 'at' | 'level' | 'transferId' | 'message'>, withTransfer: boolean): string {
  const at = new Date(entry.at).toISOString().replace('T', ' ').slice(0, 23);
  const transfer = withTransfer && entry.transferId ? `${entry.transferId}  ` : '';
  return `${at}  ${entry.level.toUpperCase().padEnd(5)}  ${transfer}${visible(entry.message)}`;
}
