/**
 * Runs one request of the IPC contract, whatever carried it (Electron's ipcMain in the app, the
 * loopback HTTP harness in development): the payload must be plain data of bounded size and parse
 * with the channel's zod schema before the handler sees it, and every failure comes back as an
 * `IpcError` (a code and a message for people; never a stack, never a secret). Who sent the request
 * is the transport's business and is checked before this is called.
 */
import type { z } from 'zod';
import { DocksideError } from '../../shared/errors.js';
import { MAX_IPC_PAYLOAD_BYTES, REQUESTS, type IpcError, type IpcResult, type RequestChannel, type ResponseOf } from '../../shared/ipc-contract.js';

/** The parsed request a handler receives: the schema's output (defaults applied). */
export type ParsedRequestOf<C extends RequestChannel> = z.output<(typeof REQUESTS)[C]['request']>;
export type RequestHandler<C extends RequestChannel> = (request: ParsedRequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>;
/** Handlers for some of the contract's channels. */
export type HandlerMap<C extends RequestChannel = RequestChannel> = { [K in C]: RequestHandler<K> };

export interface DispatchOptions {
  /** Validate responses against the contract too (development and tests; costs a parse per reply). */
  readonly validateResponses: boolean;
  /** Main-side log of what went wrong, with the full error (never sent to the renderer). */
  readonly onError?: (channel: string, error: unknown) => void;
}

/** Parses `args` (at most one payload) for `channel`, calls the handler, and wraps the outcome. */
export async function dispatchRequest<C extends RequestChannel>(
  channel: C,
  handler: RequestHandler<C>,
  args: readonly unknown[],
  options: DispatchOptions,
): Promise<IpcResult<ResponseOf<C>>> {
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
    const value = await handler(parsed.data as ParsedRequestOf<C>);
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

/** Maps anything thrown by a handler to what the renderer may see: a code and a message for people. */
export function toIpcError(error: unknown): IpcError {
  if (error instanceof DocksideError) return { code: error.code, message: error.message };
  // Anything else may carry paths, URLs with signatures or internals: the details stay in main's log.
  return { code: 'UNKNOWN', message: 'Something went wrong inside Dockside. The transfer log has the details.' };
}

export function failure(code: string, message: string): { ok: false; error: IpcError } {
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
