/** The Uploads view: drop zone and picker, the overall bar, and the queue, live from main's events. */
import { useEffect, useReducer, useState } from 'react';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { describeError } from '../errors.js';
import { DropZone } from './drop-zone.js';
import { OverallProgressBar } from './overall-progress-bar.js';
import { ThroughputChart } from './throughput-chart.js';
import type { TransferAction } from './transfer-row-view.js';
import { assertNever, initialTransfersState, transfersReducer } from './transfers-state.js';
import { UploadRow } from './upload-row.js';

export function UploadsView({ grantsForDrop }: { readonly grantsForDrop: (files: readonly File[]) => Promise<string[]> }) {
  const api = useApi();
  const [state, dispatch] = useReducer(transfersReducer, initialTransfersState);
  const [error, setError] = useState<string | null>(null);
  const [chartedId, setChartedId] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const unsubscribe = api.onTransfersChanged((transfers) => dispatch({ type: 'changed', transfers }));
    // Merged rather than replacing: an event may have arrived while the list was on its way.
    api.transfersList().then(
      (transfers) => live && dispatch({ type: 'changed', transfers }),
      (reason: unknown) => live && setError(describeError(reason)),
    );
    return () => {
      live = false;
      unsubscribe();
    };
  }, [api]);

  const run = (call: Promise<unknown>) => {
    call.then(
      () => setError(null),
      (reason: unknown) => setError(describeError(reason)),
    );
  };
  // Grants from the picker or a drop, never paths: main holds what the user chose.
  const add = async (grants: string[]) => {
    if (grants.length === 0) return;
    dispatch({ type: 'changed', transfers: await api.transfersAdd({ grants }) });
  };
  const pick = () => {
    run(api.dialogPickFiles().then(add));
  };
  /** Resolves false when no dropped file is a file on this computer (the drop zone says what to do instead). */
  const drop = (files: readonly File[]): Promise<boolean> =>
    grantsForDrop(files).then(
      (grants) => {
        if (grants.length > 0) run(add(grants));
        return grants.length > 0;
      },
      (reason: unknown) => {
        setError(describeError(reason));
        return true;
      },
    );
  const act = (action: TransferAction, id: string) => {
    switch (action) {
      case 'pause':
        return run(api.transfersPause({ id }));
      case 'resume':
        return run(api.transfersResume({ id }));
      case 'cancel':
        return run(api.transfersCancel({ id }));
      case 'retry':
        return run(api.transfersRetry({ id }));
      default:
        return assertNever(action);
    }
  };

  // The chart follows the transfer the user picked, else the first one uploading.
  const charted =
    state.transfers.find((t) => t.id === chartedId) ?? state.transfers.find((t) => t.state === 'running') ?? null;

  return (
    <div className="uploads-view">
      <h1>Uploads</h1>
      <ErrorBanner message={error} onDismiss={() => setError(null)} />
      <DropZone onFiles={drop} onPick={pick} />
      {state.transfers.length === 0 ? (
        <p className="empty">Nothing is uploading. Add files to start.</p>
      ) : (
        <>
          <OverallProgressBar
            transfers={state.transfers}
            onPauseAll={() => run(api.transfersPauseAll())}
            onResumeAll={() => run(api.transfersResumeAll())}
          />
          {charted !== null && <ThroughputChart fileName={charted.fileName} samples={state.throughput.get(charted.id) ?? []} />}
          <ul className="queue" aria-label="Upload queue">
            {state.transfers.map((transfer) => (
              <UploadRow
                key={transfer.id}
                transfer={transfer}
                onAction={act}
                charted={transfer.id === charted?.id}
                onChart={setChartedId}
              />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
