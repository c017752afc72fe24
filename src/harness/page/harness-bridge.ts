/**
 * The development harness's stand-in for the Electron preload: builds the very same
 * `window.dockside` (src/shared/ipc-api.ts) over a local connection instead of ipcRenderer:
 * requests are POSTed to the harness on this page's own origin, events arrive on one
 * Server-Sent Events stream (which reconnects by itself when the harness restarts). Loaded by the
 * page the harness serves, before the app's own script; never part of the packaged app.
 */
import { buildApi, buildFilesApi, type IpcLike } from '../../shared/ipc-api.js';

type Listener = (event: unknown, payload: unknown) => void;

const listeners = new Map<string, Set<Listener>>();
let stream: EventSource | null = null;

function ensureStream(): void {
  if (stream) return;
  stream = new EventSource('/harness/events');
  for (const channel of listeners.keys()) subscribe(channel);
}

function subscribe(channel: string): void {
  stream?.addEventListener(channel, (message) => {
    const payload: unknown = JSON.parse((message as MessageEvent<string>).data);
    for (const listener of listeners.get(channel) ?? []) listener(null, payload);
  });
}

const ipc: IpcLike = {
  async invoke(channel, ...args) {
    const response = await fetch(`/harness/ipc/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ args }),
    });
    if (!response.ok) throw new Error(`The harness answered ${response.status}.`);
    return response.json();
  },
  on(channel, listener) {
    if (!listeners.has(channel)) {
      listeners.set(channel, new Set());
      subscribe(channel);
    }
    listeners.get(channel)!.add(listener);
    ensureStream();
  },
  removeListener(channel, listener) {
    listeners.get(channel)?.delete(listener);
  },
};

Object.defineProperty(window, 'dockside', { value: buildApi(ipc), writable: false, configurable: false });
// The same drop contract as the preload, but a browser gives no page the path of any File: every
// drop gets no grant (the UI says to use "Choose files…", which plays the file dialog from the
// harness's pick folder), and the harness refuses the preload's channel anyway.
Object.defineProperty(window, 'docksideFiles', {
  value: buildFilesApi(ipc, { isFile: (value) => value instanceof File, pathOf: () => '' }),
  writable: false,
  configurable: false,
});
