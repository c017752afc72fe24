/**
 * The window's preload: exposes `window.dockside` (the contract's `DocksideApi`) through the
 * context bridge: one method per request channel and one `on…` subscription per event channel,
 * generated from the contract so the two cannot drift. The page never sees `ipcRenderer`, the
 * IPC event object (its `sender` is `ipcRenderer`), nor any channel outside the contract.
 *
 * Build note: a sandboxed preload cannot `import` or `require` our modules (only a few Electron
 * ones), so `npm run build:main` bundles this file, with the contract and zod, into one CommonJS
 * file (dist/main/preload.cjs, `electron` external) that `webPreferences.preload` points at.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildApi } from '../../shared/ipc-api.js';

export { buildApi } from '../../shared/ipc-api.js';

/** Wires the API into the page; runs once, when Electron loads the preload. */
export function exposeApi(): void {
  contextBridge.exposeInMainWorld('dockside', buildApi(ipcRenderer));
  // A dropped File's path, read where it is (no IPC): Electron no longer sets File.path.
  contextBridge.exposeInMainWorld('docksideFiles', Object.freeze({ pathForFile: (file: File) => webUtils.getPathForFile(file) }));
}

exposeApi();
