/**
 * The only way main-process code talks IPC (after GitHub Desktop's `main-process/ipc-main.ts`):
 * `handle` registers a request handler for one channel of the contract and `send` emits one of
 * its events. Every request is checked before it reaches a handler: the sender must be the main
 * frame of one of our windows showing our own page; then src/main/desktop/dispatch.ts parses the
 * payload with the channel's zod schema and wraps the outcome as an `IpcResult`.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { EventChannel, EventOf, IpcResult, RequestChannel, ResponseOf } from '../../shared/ipc-contract.js';
import { dispatchRequest, failure, type DispatchOptions, type HandlerMap, type RequestHandler } from '../desktop/dispatch.js';
import type { EventSink } from '../desktop/event-sink.js';
import { isAppUrl, type AppOrigin } from './app-origin.js';

/** Who may call: our page (file:// index.html, or the dev server) in the main frame of our windows. */
export interface SenderPolicy {
  readonly origin: AppOrigin;
  /** True for the webContents of a window we created (main.ts keeps the list). */
  isOurWebContents(contents: WebContents): boolean;
}

export interface HandleOptions extends DispatchOptions {
  readonly policy: SenderPolicy;
}

export type { HandlerMap, RequestHandler } from '../desktop/dispatch.js';
export { toIpcError } from '../desktop/dispatch.js';

/** Why a request was refused before it reached its handler. */
export type SenderVerdict = 'ok' | 'no-frame' | 'not-main-frame' | 'not-our-window' | 'not-our-page';

/** Checks the frame an invoke came from (Electron's security guide, "validate the sender"). */
export function checkSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, policy: SenderPolicy): SenderVerdict {
  const frame = event.senderFrame;
  // Null once the frame navigated away or was destroyed: nothing left to trust.
  if (!frame) return 'no-frame';
  if (frame.parent !== null) return 'not-main-frame';
  if (!policy.isOurWebContents(event.sender)) return 'not-our-window';
  if (!isAppUrl(frame.url, policy.origin)) return 'not-our-page';
  return 'ok';
}

/**
 * Registers `handler` for `channel`. Returns a function that removes it. A refused sender gets
 * an `IpcError` with code `FORBIDDEN`; a malformed or oversized payload gets `INVALID_INPUT`;
 * in both cases the handler is never called.
 */
export function handle<C extends RequestChannel>(channel: C, handler: RequestHandler<C>, options: HandleOptions): () => void {
  ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => invokeChecked(channel, handler, options, event, args));
  return () => ipcMain.removeHandler(channel);
}

/** Registers every handler of `handlers`; returns a function that removes them all. */
export function handleAll(handlers: Partial<HandlerMap>, options: HandleOptions): () => void {
  const offs = (Object.keys(handlers) as RequestChannel[]).map((channel) => handle(channel, handlers[channel] as RequestHandler<typeof channel>, options));
  return () => {
    for (const off of offs) off();
  };
}

/** The sender check, then the shared dispatch (exported for tests). */
export async function invokeChecked<C extends RequestChannel>(
  channel: C,
  handler: RequestHandler<C>,
  options: HandleOptions,
  event: IpcMainInvokeEvent,
  args: readonly unknown[],
): Promise<IpcResult<ResponseOf<C>>> {
  const verdict = checkSender(event, options.policy);
  if (verdict !== 'ok') {
    options.onError?.(channel, new Error(`IPC ${channel} refused: ${verdict}`));
    return failure('FORBIDDEN', 'This request did not come from the Dockside window.');
  }
  return dispatchRequest(channel, handler, args, options);
}

/**
 * Sends an event of the contract to one window. Does nothing once the window is gone (a send to
 * a destroyed webContents throws).
 */
export function send<C extends EventChannel>(contents: WebContents, channel: C, payload: EventOf<C>): void {
  if (contents.isDestroyed()) return;
  contents.send(channel, payload);
}

/** An event sink that sends to every window `targets` names. */
export function windowsSink(targets: () => readonly WebContents[]): EventSink {
  return (channel, payload) => {
    for (const contents of targets()) send(contents, channel, payload);
  };
}
