/**
 * The Transfer log view's filtering and search, done in the renderer over the entries it holds
 * (from `log:query` and `log:appended`), so typing in the search box needs no round trip.
 */
import type { LogEntry } from '../../shared/ipc-contract.js';

export type LogLevel = LogEntry['level'];
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface LogFilter {
  /** Only this transfer's entries; null for all. */
  readonly transferId: string | null;
  /** The least severe level shown: `warn` shows warnings and errors. */
  readonly minLevel: LogLevel;
  /** Inclusive bounds in epoch milliseconds; null for open. */
  readonly since: number | null;
  readonly until: number | null;
  /** Words that must all appear (any case) in the message, type, transfer id or data. */
  readonly search: string;
}

export const emptyLogFilter: LogFilter = { transferId: null, minLevel: 'debug', since: null, until: null, search: '' };

const severity = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

function haystack(entry: LogEntry): string {
  const data = entry.data === null ? '' : JSON.stringify(entry.data);
  return `${entry.message}\n${entry.type}\n${entry.transferId ?? ''}\n${data}`.toLowerCase();
}

/** True when `entry` passes every part of `filter`. */
export function matchesLogFilter(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.transferId !== null && entry.transferId !== filter.transferId) return false;
  if (severity(entry.level) < severity(filter.minLevel)) return false;
  if (filter.since !== null && entry.at < filter.since) return false;
  if (filter.until !== null && entry.at > filter.until) return false;
  const words = filter.search.toLowerCase().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return true;
  const text = haystack(entry);
  return words.every((word) => text.includes(word));
}

/** The entries that pass `filter`, in log order. */
export function filterLog(entries: readonly LogEntry[], filter: LogFilter): LogEntry[] {
  return entries.filter((entry) => matchesLogFilter(entry, filter));
}

/**
 * Merges new entries (a query answer or `log:appended`) into what is held: one entry per id, in id
 * order, keeping only the newest `max` so a long session does not grow without bound.
 */
export function mergeLog(held: readonly LogEntry[], incoming: readonly LogEntry[], max = 5000): LogEntry[] {
  const byId = new Map(held.map((entry) => [entry.id, entry]));
  for (const entry of incoming) byId.set(entry.id, entry);
  const merged = [...byId.values()].sort((a, b) => a.id - b.id);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}

/** The transfers named in the log, for the "transfer" filter's choices. */
export function transferIdsInLog(entries: readonly LogEntry[]): string[] {
  const ids = new Set<string>();
  for (const entry of entries) if (entry.transferId !== null) ids.add(entry.transferId);
  return [...ids].sort();
}
