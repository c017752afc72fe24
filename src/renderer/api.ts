/**
 * The only module that touches `window.dockside`, the bridge the preload exposes with
 * `contextBridge` (one typed method per request channel, one `on…` per event channel, see
 * src/shared/ipc-contract.ts). Everything else in the renderer receives the api through
 * `ApiProvider` (api-context.tsx), so tests hand it a fake.
 */
import type { DocksideApi, DocksideFilesApi } from '../shared/ipc-contract.js';

declare global {
  interface Window {
    readonly dockside?: DocksideApi;
    /** Dropped `File` objects in, grants out: the page never sees a path (see the contract). */
    readonly docksideFiles?: DocksideFilesApi;
  }
}

/** Thrown when the page runs without the preload's bridge (opened in a plain browser, or the preload failed). */
export class BridgeMissingError extends Error {
  readonly code = 'BRIDGE_MISSING' as const;
  readonly retryable = false;

  constructor() {
    super(
      'window.dockside is missing: this page must be opened by the Dockside app (its preload exposes the bridge) ' +
        'or by the development harness that serves it; it cannot talk to the uploader on its own.',
    );
    this.name = 'BridgeMissingError';
  }
}

/** The typed bridge to the main process; throws BridgeMissingError when there is none. */
export function getDocksideApi(): DocksideApi {
  const api = window.dockside;
  if (api === undefined || api === null) throw new BridgeMissingError();
  return api;
}

/**
 * Grants for dropped files, from the preload (which reads their paths; the page never does). None
 * for a file that is not on this computer, and none at all without the file bridge.
 */
export async function grantsForDroppedFiles(files: readonly File[]): Promise<string[]> {
  const bridge = window.docksideFiles;
  if (bridge === undefined) return [];
  return bridge.grantDropped(files);
}
