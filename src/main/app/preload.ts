/**
 * The window's preload: exposes `window.dockside` (the contract's `DocksideApi`) through the
 * context bridge: one method per request channel and one `on…` subscription per event channel,
 * generated from the contract so the two cannot drift. The page never sees `ipcRenderer`, the
 * IPC event object (its `sender` is `ipcRenderer`), nor any channel outside the contract.
 *
 * Build note: a sandboxed preload cannot `import` or `require` our modules (only a few Electron
 * ones), so this file must be bundled, with the contract and zod, into one CommonJS file that
 * BrowserWindow's `webPreferences.preload` points at (a build step still to add, e.g. esbuild or
 * Vite lib mode with `electron` external).
 */
import { contextBridge, ipcRenderer, type IpcRenderer, type IpcRendererEvent } from 'electron';
import {
  apiEventName,
  apiMethodName,
  EVENTS,
  ipcResultSchema,
  REQUESTS,
  type DocksideApi,
  type EventChannel,
  type IpcError,
  type RequestChannel,
} from '../../shared/ipc-contract.js';

/** Builds the API object from the contract over the given ipcRenderer (a fake in tests). */
export function buildApi(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): DocksideApi {
  const api: Record<string, unknown> = {};
  for (const channel of Object.keys(REQUESTS) as RequestChannel[]) {
    // Exactly one argument goes across (or none): main refuses anything more.
    api[apiMethodName(channel)] = (...args: unknown[]) => call(ipc, channel, args.length === 0 ? [] : [args[0]]);
  }
  for (const channel of Object.keys(EVENTS) as EventChannel[]) {
    api[apiEventName(channel)] = (listener: unknown) => {
      if (typeof listener !== 'function') throw new TypeError(`${apiEventName(channel)} needs a listener function.`);
      // The event object stays here: only the payload reaches the page.
      const forward = (_event: IpcRendererEvent, payload: unknown) => (listener as (payload: unknown) => void)(payload);
      ipc.on(channel, forward);
      return () => {
        ipc.removeListener(channel, forward);
      };
    };
  }
  return Object.freeze(api) as DocksideApi;
}

async function call(ipc: Pick<IpcRenderer, 'invoke'>, channel: RequestChannel, args: unknown[]): Promise<unknown> {
  let raw: unknown;
  try {
    raw = await ipc.invoke(channel, ...args);
  } catch {
    // No handler, or main failed outside our wrapper: Electron's message says little of use.
    throw ipcError('IPC_FAILED', 'Dockside could not reach its main process. Try again, or restart Dockside.');
  }
  const result = ipcResultSchema.safeParse(raw);
  if (!result.success) throw ipcError('IPC_FAILED', 'Dockside received a reply it did not understand.');
  if (!result.data.ok) throw ipcError(result.data.error.code, result.data.error.message);
  return result.data.value;
}

/** A plain object (not an Error): the context bridge copies it whole, where an Error loses its code. */
function ipcError(code: string, message: string): IpcError {
  return { code, message };
}

/** Wires the API into the page; runs once, when Electron loads the preload. */
export function exposeApi(): void {
  contextBridge.exposeInMainWorld('dockside', buildApi(ipcRenderer));
}

exposeApi();
