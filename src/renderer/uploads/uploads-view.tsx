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

export function UploadsView({ pathsForFiles }: { readonly pathsForFiles: (files: readonly File[]) => string[] }) {
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
  const add = (paths: string[]) => {
    run(api.transfersAdd({ paths }).then((transfers) => dispatch({ type: 'changed', transfers })));
  };
  const pick = () => {
    run(api.dialogPickFiles().then((paths) => (paths.length > 0 ? add(paths) : undefined)));
  };
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
      <DropZone onPaths={add} onPick={pick} pathsForFiles={pathsForFiles} />
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
