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
  PAGE_CHANNELS,
  type DocksideApi,
  type DocksideFilesApi,
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
  // The page's channels only: a preload channel (a dropped file's path) has no method here.
  for (const channel of PAGE_CHANNELS) {
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

/** How the carrier tells a dropped `File` and reads its path (Electron's webUtils in the preload). */
export interface DroppedFiles {
  /** True for a real `File` object (anything else, a string or a look-alike, is refused). */
  readonly isFile: (value: unknown) => boolean;
  /** The file's path on this computer; '' for a `File` the page made (it has none). */
  readonly pathOf: (file: File) => string;
}

/**
 * `window.docksideFiles` over the carrier: the page hands over `File` objects, never paths; the
 * paths are read here and go to main on the preload channel `files:grantDropped`, and the page
 * gets back grants. A `File` without a path (made by the page) gets none; an argument that is
 * not a list of `File` objects is refused and nothing is sent.
 */
export function buildFilesApi(ipc: Pick<IpcLike, 'invoke'>, dropped: DroppedFiles): DocksideFilesApi {
  const grantDropped = async (files: unknown): Promise<string[]> => {
    if (!Array.isArray(files) || !files.every((file) => dropped.isFile(file))) {
      throw ipcError('INVALID_INPUT', 'Only files dropped on the window can be added this way; use “Choose files…” otherwise.');
    }
    const paths = (files as File[]).map((file) => dropped.pathOf(file)).filter((path) => path !== '');
    if (paths.length === 0) return [];
    return (await call(ipc, 'files:grantDropped', [{ paths }])) as string[];
  };
  return Object.freeze({ grantDropped });
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

