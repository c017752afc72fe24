/**
 * The window's preload: exposes `window.dockside` (the contract's `DocksideApi`) through the
 * context bridge: one method per request channel and one `on…` subscription per event channel,
 * generated from the contract so the two cannot drift. The page never sees `ipcRenderer`, the
 * IPC event object (its `sender` is `ipcRenderer`), any channel outside the contract, nor the
 * preload's own channel for dropped files (`window.docksideFiles` takes `File` objects instead).
 *
 * Build note: a sandboxed preload cannot `import` or `require` our modules (only a few Electron
 * ones), so `npm run build:main` bundles this file, with the contract and zod, into one CommonJS
 * file (dist/main/preload.cjs, `electron` external) that `webPreferences.preload` points at.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApi, buildFilesApi } from '../../shared/ipc-api.js';

export { buildApi } from '../../shared/ipc-api.js';

/** Wires the API into the page; runs once, when Electron loads the preload. */
export function exposeApi(): void {
  contextBridge.exposeInMainWorld('dockside', buildApi(ipcRenderer));
  // A drop: the page hands over File objects; their paths are read here (Electron no longer sets
  // File.path, and webUtils gives '' for a File the page made) and go to main, never to the page,
  // which gets grants back.
  contextBridge.exposeInMainWorld(
    'docksideFiles',
    buildFilesApi(ipcRenderer, { isFile: (value) => value instanceof File, pathOf: (file) => webUtils.getPathForFile(file) }),
  );
}

exposeApi();
