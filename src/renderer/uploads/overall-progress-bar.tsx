/** The bar over the whole queue, with the totals and the pause-all / resume-all buttons. */
import type { TransferView } from '../../shared/ipc-contract.js';
import { formatBytes, formatEta, formatPercent, formatRate } from '../../shared/units.js';
import { ProgressBar } from '../components/progress-bar.js';
import { percentValue } from './transfer-row-view.js';
import { overallProgress } from './transfers-state.js';

export function OverallProgressBar({
  transfers,
  onPauseAll,
  onResumeAll,
}: {
  readonly transfers: readonly TransferView[];
  readonly onPauseAll: () => void;
  readonly onResumeAll: () => void;
}) {
  const overall = overallProgress(transfers);
  // Only cancelled transfers: there is nothing to sum, and an empty bar would read "100 %".
  if (overall.count === 0) return null;
  const percentText = formatPercent(overall.bytesDone, overall.bytesTotal);
  const bytesText = `${formatBytes(overall.bytesDone)} of ${formatBytes(overall.bytesTotal)}`;
  const anyPausable = transfers.some((t) => t.state === 'running' || t.state === 'queued');
  const anyResumable = transfers.some((t) => t.state === 'paused');
  return (
    <section className="overall" aria-label="All uploads">
      <ProgressBar label="All uploads" percent={percentValue(overall.bytesDone, overall.bytesTotal)} valueText={`${percentText}, ${bytesText}`} />
      <div className="overall-numbers">
        <span className="percent">{percentText}</span>
        <span className="bytes">{bytesText}</span>
        <span className="speed">{formatRate(overall.bytesPerSecond)}</span>
        <span className="eta">{overall.active === 0 ? 'nothing uploading' : formatEta(overall.etaSeconds)}</span>
        <span className="count">
          {overall.active} of {overall.count} active
        </span>
      </div>
      <div className="overall-actions">
        <button type="button" onClick={onPauseAll} disabled={!anyPausable}>
          Pause all
        </button>
        <button type="button" onClick={onResumeAll} disabled={!anyResumable}>
          Resume all
        </button>
      </div>
    </section>
  );
}
