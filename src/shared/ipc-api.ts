/**
 * `window.dockside` built from the contract over any carrier shaped like Electron's ipcRenderer:
 * the preload passes ipcRenderer itself; the browser harness passes HTTP and an event stream.
 * One method per request channel, one `on…` per event channel, so the two cannot drift; a
 * failure reaches the page as a plain `IpcError` object (code and message).
 */
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
} from './ipc-contract.js';

/** The part of Electron's ipcRenderer the API needs (listeners get an event object, then the payload). */
export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** Builds the API object from the contract over the given ipcRenderer (a fake in tests). */
export function buildApi(ipc: IpcLike): DocksideApi {
  const api: Record<string, unknown> = {};
  for (const channel of Object.keys(REQUESTS) as RequestChannel[]) {
    // Exactly one argument goes across (or none): main refuses anything more.
    api[apiMethodName(channel)] = (...args: unknown[]) => call(ipc, channel, args.length === 0 ? [] : [args[0]]);
  }
  for (const channel of Object.keys(EVENTS) as EventChannel[]) {
    api[apiEventName(channel)] = (listener: unknown) => {
      if (typeof listener !== 'function') throw new TypeError(`${apiEventName(channel)} needs a listener function.`);
      // The event object stays here: only the payload reaches the page.
      const forward = (_event: unknown, payload: unknown) => (listener as (payload: unknown) => void)(payload);
      ipc.on(channel, forward);
      return () => {
        ipc.removeListener(channel, forward);
      };
    };
  }
  return Object.freeze(api) as DocksideApi;
}

async function call(ipc: Pick<IpcLike, 'invoke'>, channel: RequestChannel, args: unknown[]): Promise<unknown> {
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

