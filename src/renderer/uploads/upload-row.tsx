/** One transfer in the queue: its bar, numbers, state and the buttons its state allows. */
import type { TransferView } from '../../shared/ipc-contract.js';
import { ProgressBar } from '../components/progress-bar.js';
import { VerificationNote } from '../components/verification-note.js';
import { TRANSFER_ACTIONS, transferRowView, type TransferAction } from './transfer-row-view.js';

const ACTION_LABELS: Record<TransferAction, string> = { pause: 'Pause', resume: 'Resume', cancel: 'Cancel', retry: 'Retry' };

export function UploadRow({
  transfer,
  onAction,
  charted,
  onChart,
}: {
  readonly transfer: TransferView;
  readonly onAction: (action: TransferAction, id: string) => void;
  /** Whether the throughput chart shows this transfer. */
  readonly charted: boolean;
  readonly onChart: (id: string) => void;
}) {
  const row = transferRowView(transfer);
  return (
    <li className={`upload-row state-${row.state}${charted ? ' charted' : ''}`} aria-label={row.fileName}>
      <div className="upload-row-head">
        <span className="file-name" title={row.fileName}>
          {row.fileName}
        </span>
        <span className="state-label">{row.stateLabel}</span>
      </div>
      <ProgressBar label={`Upload of ${row.fileName}`} percent={row.percent} valueText={`${row.percentText}, ${row.bytesText}`} />
      <div className="upload-row-numbers">
        <span className="percent">{row.percentText}</span>
        <span className="bytes">{row.bytesText}</span>
        {row.speedText !== '' && <span className="speed">{row.speedText}</span>}
        <span className="eta">{row.etaText}</span>
      </div>
      <div className="destination">to {row.destination}</div>
      {row.errorText !== null && <p className="failure-reason">{row.errorText}</p>}
      {row.verification !== null && <VerificationNote text={row.verification.text} weak={row.verification.weak} />}
      <div className="upload-row-actions">
        {TRANSFER_ACTIONS.map((action) => (
          <button
            key={action}
            type="button"
            disabled={!row.actions[action]}
            aria-label={`${ACTION_LABELS[action]} ${row.fileName}`}
            onClick={() => onAction(action, row.id)}
          >
            {ACTION_LABELS[action]}
          </button>
        ))}
        <button type="button" aria-pressed={charted} aria-label={`Show speed chart of ${row.fileName}`} onClick={() => onChart(row.id)}>
          Speed chart
        </button>
      </div>
    </li>
  );
}
