/**
 * The transfer log as people read it, shared by the app's log view and `dockside log`: filters by
 * transfer, lowest level, time and a search text, newest entries kept, secret-named data omitted.
 */
import type { LogEntry, LogQuery } from '../../shared/ipc-contract.js';
import type { TransferLogEntry } from '../../shared/transfer-model.js';
import type { LogQuery as JournalLogQuery, UploadJournal } from '../engine/index.js';
import { redactSecrets } from './redact.js';

/** Rows fetched at a time when a search filters the log. */
const SEARCH_PAGE = 5000;

/**
 * The transfer log for the window: `level` is the lowest level shown (as `dockside log --level`),
 * `search` matches message or type case-insensitively. The window wants what happened last, so
 * this is the newest `limit` matching entries, in time order (oldest of them first).
 */
export function queryLog(journal: Pick<UploadJournal, 'queryLog'>, query: LogQuery): LogEntry[] {
  const base: JournalLogQuery = {
    ...(query.transferId !== undefined ? { transferId: query.transferId } : {}),
    ...(query.level !== undefined ? { minLevel: query.level } : {}),
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
  };
  const needle = query.search?.trim().toLowerCase();
  const matches = (entry: TransferLogEntry) => !needle || entry.message.toLowerCase().includes(needle) || entry.type.toLowerCase().includes(needle);
  // The journal pages forwards by id; keep only the tail (a log of a few hundred thousand
  // entries is read in well under a second, and only when the window asks).
  let tail: TransferLogEntry[] = [];
  let afterId: number | undefined;
  for (;;) {
    const page = journal.queryLog({ ...base, limit: SEARCH_PAGE, ...(afterId !== undefined ? { afterId } : {}) });
    for (const entry of page) if (matches(entry)) tail.push(entry);
    if (tail.length > query.limit * 2) tail = tail.slice(-query.limit);
    if (page.length < SEARCH_PAGE) break;
    afterId = page.at(-1)!.id;
  }
  return tail.slice(-query.limit).map(toLogEntry);
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
