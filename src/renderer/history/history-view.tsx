/** The History view: finished transfers with the backend's status, checksum and where the file went. */
import { useEffect, useState } from 'react';
import type { HistoryEntry } from '../../shared/ipc-contract.js';
import { formatBytes } from '../../shared/units.js';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { VerificationNote } from '../components/verification-note.js';
import { describeError } from '../errors.js';

const STATUS_LABELS: Record<HistoryEntry['status'], string> = {
  uploading: 'Uploading',
  docked: 'Docked (being checked)',
  promoting: 'Being made available',
  available: 'Available',
  failed: 'Failed',
  aborted: 'Aborted',
};

/** How often the view asks the backend again while it is shown. */
const REFRESH_MS = 3000;

export function HistoryView() {
  const api = useApi();
  const [entries, setEntries] = useState<readonly HistoryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.historyList().then(
        (list) => live && setEntries(list),
        (reason: unknown) => live && setError(describeError(reason)),
      );
    void load();
    // Uploads move on at the backend (docked → promoting → available) without us: look again.
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [api]);

  return (
    <div className="history-view">
      <h1>History</h1>
      <ErrorBanner message={error} onDismiss={() => setError(null)} />
      {entries === null ? (
        <p className="empty">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="empty">No finished uploads yet.</p>
      ) : (
        <table className="data-table">
          <caption className="visually-hidden">Finished uploads</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Status</th>
              <th scope="col">Checksum and checks</th>
              <th scope="col">Where it went</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.uploadId} className={`status-${entry.status}`}>
                <th scope="row">{entry.fileName}</th>
                <td>{formatBytes(entry.size)}</td>
                <td>
                  {STATUS_LABELS[entry.status]}
                  {entry.failureReason !== null && <div className="failure-reason">{entry.failureReason}</div>}
                </td>
                <td>
                  <span className="mono">{entry.checksum ?? '—'}</span>
                  {entry.uploadVerification !== null && <VerificationNote label="Upload: " text={entry.uploadVerification} weak={entry.uploadWeak} />}
                  {entry.copyVerification !== null && <VerificationNote label="Copy: " text={entry.copyVerification} />}
                </td>
                <td className="mono">{entry.location ?? '—'}</td>
                <td>
                  <time dateTime={entry.updatedAt}>{new Date(entry.updatedAt).toLocaleString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
