/**
 * The Transfer log view for support staff: the journal's events, filtered by transfer, level and
 * time, searchable, live as entries are appended, and "Export diagnostics" (secrets redacted in main).
 */
import { useEffect, useMemo, useState } from 'react';
import type { LogEntry } from '../../shared/ipc-contract.js';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { describeError } from '../errors.js';
import { LOG_LEVELS, emptyLogFilter, filterLog, mergeLog, transferIdsInLog, type LogFilter, type LogLevel } from './log-filter.js';

const QUERY_LIMIT = 2000;

/** `<input type="datetime-local">` value (local time) to epoch milliseconds; empty or invalid → null. */
function parseLocalTime(value: string): number | null {
  if (value === '') return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export function TransferLogView() {
  const api = useApi();
  const [entries, setEntries] = useState<readonly LogEntry[]>([]);
  const [filter, setFilter] = useState<LogFilter>(emptyLogFilter);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const unsubscribe = api.onLogAppended((entry) => setEntries((held) => mergeLog(held, [entry])));
    api.logQuery({ limit: QUERY_LIMIT }).then(
      (found) => live && setEntries((held) => mergeLog(held, found)),
      (reason: unknown) => live && setError(describeError(reason)),
    );
    return () => {
      live = false;
      unsubscribe();
    };
  }, [api]);

  const shown = useMemo(
    () => filterLog(entries, { ...filter, since: parseLocalTime(since), until: parseLocalTime(until) }),
    [entries, filter, since, until],
  );
  const transferIds = useMemo(() => transferIdsInLog(entries), [entries]);
  const update = (patch: Partial<LogFilter>) => setFilter((current) => ({ ...current, ...patch }));

  const exportDiagnostics = () => {
    api.diagnosticsExport().then(
      (saved) => setNotice(saved === null ? null : `Diagnostics saved to ${saved.path}`),
      (reason: unknown) => setError(describeError(reason)),
    );
  };

  return (
    <div className="log-view">
      <h1>Transfer log</h1>
      <ErrorBanner message={error} onDismiss={() => setError(null)} />
      <form className="log-filters" aria-label="Filter the log" onSubmit={(event) => event.preventDefault()}>
        <label>
          Transfer
          <select value={filter.transferId ?? ''} onChange={(event) => update({ transferId: event.target.value === '' ? null : event.target.value })}>
            <option value="">All transfers</option>
            {transferIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level
          <select value={filter.minLevel} onChange={(event) => update({ minLevel: event.target.value as LogLevel })}>
            {LOG_LEVELS.map((level) => (
              <option key={level} value={level}>
                {level} and above
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={since} onChange={(event) => setSince(event.target.value)} />
        </label>
        <label>
          To
          <input type="datetime-local" value={until} onChange={(event) => setUntil(event.target.value)} />
        </label>
        <label>
          Search
          <input type="search" value={filter.search} onChange={(event) => update({ search: event.target.value })} />
        </label>
      </form>
      <div className="log-actions">
        <button type="button" onClick={exportDiagnostics}>
          Export diagnostics
        </button>
        {notice !== null && <span role="status">{notice}</span>}
      </div>
      <p className="log-count" role="status">
        {shown.length} of {entries.length} entries
      </p>
      <table className="data-table log-table">
        <caption className="visually-hidden">Transfer log entries</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Level</th>
            <th scope="col">Transfer</th>
            <th scope="col">Event</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((entry) => (
            <tr key={entry.id} className={`level-${entry.level}`}>
              <td>
                <time dateTime={new Date(entry.at).toISOString()}>{new Date(entry.at).toLocaleString()}</time>
              </td>
              <td>{entry.level}</td>
              <td className="mono">{entry.transferId ?? '—'}</td>
              <td className="mono">{entry.type}</td>
              <td>{entry.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
