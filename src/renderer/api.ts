/**
 * The only module that touches `window.dockside`, the bridge the preload exposes with
 * `contextBridge` (one typed method per request channel, one `on…` per event channel, see
 * src/shared/ipc-contract.ts). Everything else in the renderer receives the api through
 * `ApiProvider` (api-context.tsx), so tests hand it a fake.
 */
import type { DocksideApi } from '../shared/ipc-contract.js';

/**
 * Reads the path of a dropped `File`. Electron no longer puts `path` on `File` objects; the preload
 * gets it with `webUtils.getPathForFile` and exposes it beside the IPC bridge, because it is a
 * synchronous renderer-local call, not an IPC message. Absent in a plain browser (the harness).
 */
export interface DocksideFilePaths {
  readonly pathForFile: (file: File) => string;
}

declare global {
  interface Window {
    readonly dockside?: DocksideApi;
    readonly docksideFiles?: DocksideFilePaths;
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
 * Paths of dropped files as the main process needs them; an empty string stands for a file whose
 * path is unknown (no file bridge, or something that is not on disk), and is dropped.
 */
export function pathsOfDroppedFiles(files: readonly File[]): string[] {
  const bridge = window.docksideFiles;
  if (bridge === undefined) return [];
  return files.map((file) => bridge.pathForFile(file)).filter((path) => path !== '');
}
