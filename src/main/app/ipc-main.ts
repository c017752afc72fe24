/**
 * The only way main-process code talks IPC (after GitHub Desktop's `main-process/ipc-main.ts`):
 * `handle` registers a request handler for one channel of the contract and `send` emits one of
 * its events. Every request is checked before it reaches a handler: the sender must be the main
 * frame of one of our windows showing our own page, and the payload must parse with the
 * channel's zod schema. Failures come back as an `IpcError` (code and message; never a stack).
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { z } from 'zod';
import { DocksideError } from '../../shared/errors.js';
import {
  EVENTS,
  MAX_IPC_PAYLOAD_BYTES,
  REQUESTS,
  type EventChannel,
  type EventOf,
  type IpcError,
  type IpcResult,
  type RequestChannel,
  type ResponseOf,
} from '../../shared/ipc-contract.js';
import { isAppUrl, type AppOrigin } from './app-origin.js';

/** Who may call: our page (file:// index.html, or the dev server) in the main frame of our windows. */
export interface SenderPolicy {
  readonly origin: AppOrigin;
  /** True for the webContents of a window we created (main.ts keeps the list). */
  isOurWebContents(contents: WebContents): boolean;
}

export interface HandleOptions {
  readonly policy: SenderPolicy;
  /** Validate responses against the contract too (development and tests; costs a parse per reply). */
  readonly validateResponses: boolean;
  /** Main-side log of what went wrong, with the full error (never sent to the renderer). */
  readonly onError?: (channel: string, error: unknown) => void;
}

/** The parsed request a handler receives: the schema's output (defaults applied). */
export type ParsedRequestOf<C extends RequestChannel> = z.output<(typeof REQUESTS)[C]['request']>;
export type RequestHandler<C extends RequestChannel> = (request: ParsedRequestOf<C>, event: IpcMainInvokeEvent) => ResponseOf<C> | Promise<ResponseOf<C>>;

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

/** The checks and the call, apart from Electron's registration (exported for tests). */
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
  // The preload sends exactly one argument (or none); anything else is not our preload.
  if (args.length > 1) return failure('INVALID_INPUT', `${channel} takes at most one argument.`);
  const payload = args[0];
  const size = payloadSize(payload);
  if (size === null || size > MAX_IPC_PAYLOAD_BYTES) {
    return failure('INVALID_INPUT', `${channel}: the request is too large or not plain data.`);
  }
  const parsed = REQUESTS[channel].request.safeParse(payload);
  if (!parsed.success) return failure('INVALID_INPUT', `${channel}: ${describeIssues(parsed.error.issues)}`);
  try {
    const value = await handler(parsed.data as ParsedRequestOf<C>, event);
    if (options.validateResponses) {
      const checked = REQUESTS[channel].response.safeParse(value);
      if (!checked.success) throw new Error(`IPC ${channel} returned a response outside the contract: ${describeIssues(checked.error.issues)}`);
    }
    return { ok: true, value };
  } catch (error) {
    options.onError?.(channel, error);
    return { ok: false, error: toIpcError(error) };
  }
}

/**
 * Sends an event of the contract to one window. Does nothing once the window is gone (a send to
 * a destroyed webContents throws). With `validate`, a payload outside the contract throws here,
 * in main, rather than confusing the renderer.
 */
export function send<C extends EventChannel>(contents: WebContents, channel: C, payload: EventOf<C>, validate = false): void {
  if (validate) EVENTS[channel].parse(payload);
  if (contents.isDestroyed()) return;
  contents.send(channel, payload);
}

/** Maps anything thrown by a handler to what the renderer may see: a code and a message for people. */
export function toIpcError(error: unknown): IpcError {
  if (error instanceof DocksideError) return { code: error.code, message: error.message };
  // Anything else may carry paths, URLs with signatures or internals: the details stay in main's log.
  return { code: 'UNKNOWN', message: 'Something went wrong inside Dockside. The transfer log has the details.' };
}

function failure(code: string, message: string): { ok: false; error: IpcError } {
  return { ok: false, error: { code, message } };
}

/** Bytes of the payload as JSON; null when it is not plain data (cycles, BigInt). */
function payloadSize(payload: unknown): number | null {
  if (payload === undefined) return 0;
  try {
    const json = JSON.stringify(payload);
    return json === undefined ? 0 : Buffer.byteLength(json);
  } catch {
    return null;
  }
}

/** Zod issues as a short sentence: where and what, never the received value (it may be a token). */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : 'request'}: ${issue.message}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `${shown.join('; ')}${more}`;
}
