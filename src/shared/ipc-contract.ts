/**
 * The desktop app's IPC contract: every channel between the renderer and the main process, with
 * the zod schema of what goes each way. One file, as in GitHub Desktop's `ipc-shared.ts`: the
 * preload exposes exactly one typed method per request channel and one subscription per event
 * channel, and every main-side handler parses its payload with the schema named here before
 * anything reaches the engine. Nothing here carries a credential or a token: sign-in sends the
 * token one way (renderer → main) and it is never sent back.
 *
 * The page never names a file path, and none is sent to it. The renderer is untrusted (an XSS
 * or a malicious dependency runs as the page, and the page is the sender every check sees), so a
 * path reaches main only from main's own file dialog or from a drop, and the page holds opaque
 * file grants instead: ids main issues for what the user chose (src/main/desktop/file-grants.ts).
 * `transfers:add` takes grants only. A drop reaches main through `files:grantDropped`, a channel
 * only the preload calls (PRELOAD_CHANNELS: never a method of `window.dockside`), with paths the
 * preload reads itself from the dropped `File` objects.
 */
import { z } from 'zod';
import { UPLOAD_STATUSES } from './backend-api.js';
import { TRANSFER_STATES, VERIFICATIONS } from './transfer-model.js';

/** An http(s) URL: `z.string().url()` alone also takes `javascript:` and `file:`. */
const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((value) => /^https?:\/\//i.test(value), 'must be an http:// or https:// URL');
const transferId = z.string().min(1).max(64).regex(/^[0-9a-z]+$/, 'must be a transfer id');
const millis = z.number().int().min(0);
/** An opaque file grant: 128 random bits from main, as 32 hex digits (see src/main/desktop/file-grants.ts). */
export const fileGrantSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be a file grant Dockside issued');

export const transferViewSchema = z.object({
  id: transferId,
  /** The file's name only: where it is on disk stays in main (the page needs no path). */
  fileName: z.string(),
  size: z.number().int().min(0),
  state: z.enum(TRANSFER_STATES),
  /** Where it goes: `s3://bucket/key`, for people. */
  destination: z.string(),
  /** The backend's upload id for uploads through the backend. */
  backendUploadId: z.string().nullable(),
  bytesDone: z.number().int().min(0),
  partsDone: z.number().int().min(0),
  partsTotal: z.number().int().min(0),
  bytesPerSecond: z.number().min(0),
  etaSeconds: z.number().min(0).nullable(),
  /** Why it failed, in words a person can act on. */
  error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
  /** What verified the object once completed (null before): see src/shared/verification.ts. */
  verification: z.enum(VERIFICATIONS).nullable(),
  /** Whether the whole file was read again after Complete and matched the object. */
  fileReread: z.boolean(),
  /** While the file is being read again to check it (the resume sample, or the full re-read). */
  checking: z.object({ what: z.enum(['sample', 'file']), bytesDone: z.number().min(0), bytesTotal: z.number().min(0) }).nullable(),
  createdAt: millis,
  updatedAt: millis,
  completedAt: millis.nullable(),
});
export type TransferView = z.infer<typeof transferViewSchema>;

export const logEntrySchema = z.object({
  id: z.number().int(),
  transferId: z.string().nullable(),
  at: millis,
  level: z.enum(['debug', 'info', 'warn', 'error']),
  type: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const logQuerySchema = z.strictObject({
  transferId: transferId.optional(),
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  since: millis.optional(),
  until: millis.optional(),
  search: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(5000).default(500),
});
export type LogQuery = z.infer<typeof logQuerySchema>;

/** A setting's value with where it came from; `policy` values are locked (IT decides). */
const sourced = <T extends z.ZodType>(value: T) =>
  z.object({ value, source: z.enum(['policy', 'user', 'default']), lockedReason: z.string().nullable() });

export const settingsSchema = z.object({
  backendUrl: sourced(httpUrl.nullable()),
  concurrency: sourced(z.number().int().min(1).max(32)),
  maxActiveTransfers: sourced(z.number().int().min(1).max(8)),
  /** Bytes per second; null for no limit. */
  bandwidthLimit: sourced(z.number().int().min(1).nullable()),
  notifications: sourced(z.boolean()),
  startAtLogin: sourced(z.boolean()),
  /** Read each file again in full after uploading it, and complete only if it still matches. */
  verifyFile: sourced(z.boolean()),
});
export type Settings = z.infer<typeof settingsSchema>;

/** What the user may change: plain values, validated again in main against policy. */
export const settingsPatchSchema = z.strictObject({
  backendUrl: httpUrl.nullable().optional(),
  concurrency: z.number().int().min(1).max(32).optional(),
  maxActiveTransfers: z.number().int().min(1).max(8).optional(),
  bandwidthLimit: z.number().int().min(1).nullable().optional(),
  notifications: z.boolean().optional(),
  startAtLogin: z.boolean().optional(),
  verifyFile: z.boolean().optional(),
});
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const authStatusSchema = z.object({
  signedIn: z.boolean(),
  backendUrl: z.string().nullable(),
  /** Who the backend says we are, when known. */
  user: z.string().nullable(),
});
export type AuthStatus = z.infer<typeof authStatusSchema>;

export const historyEntrySchema = z.object({
  transferId: z.string().nullable(),
  uploadId: z.string(),
  fileName: z.string(),
  size: z.number().int().min(0),
  status: z.enum(UPLOAD_STATUSES),
  checksum: z.string().nullable(),
  /** `s3://bucket/key` once available. */
  location: z.string().nullable(),
  /**
   * What verified the upload, in words, from this machine's journal (null when the journal has no
   * record of it: uploaded elsewhere, or its record was cleared); `uploadWeak` marks the case where
   * nothing but sizes was checked.
   */
  uploadVerification: z.string().nullable(),
  uploadWeak: z.boolean(),
  /** What the backend checked of the permanent copy, in words (null until available). */
  copyVerification: z.string().nullable(),
  failureReason: z.string().nullable(),
  updatedAt: z.string(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

const idRequest = z.strictObject({ id: transferId });
const nothing = z.undefined();
const ok = z.object({ ok: z.literal(true) });

/**
 * Request channels (renderer → main, `ipcRenderer.invoke` / `ipcMain.handle`): the schema of the
 * request the handler parses, and of the response it returns.
 */
export const REQUESTS = {
  'transfers:list': { request: nothing, response: z.array(transferViewSchema) },
  /** Files and folders the user chose (folders are expanded in main), by the grants a drop or the picker gave; each grant is used once. */
  'transfers:add': { request: z.strictObject({ grants: z.array(fileGrantSchema).min(1).max(10_000) }), response: z.array(transferViewSchema) },
  'transfers:pause': { request: idRequest, response: ok },
  'transfers:resume': { request: idRequest, response: ok },
  'transfers:cancel': { request: idRequest, response: ok },
  'transfers:retry': { request: idRequest, response: ok },
  'transfers:pauseAll': { request: nothing, response: ok },
  'transfers:resumeAll': { request: nothing, response: ok },
  'history:list': { request: nothing, response: z.array(historyEntrySchema) },
  'log:query': { request: logQuerySchema, response: z.array(logEntrySchema) },
  /** Saves a diagnostics bundle with secrets redacted; null when the user cancelled the dialog. */
  'diagnostics:export': { request: nothing, response: z.object({ path: z.string() }).nullable() },
  'settings:get': { request: nothing, response: settingsSchema },
  'settings:set': { request: settingsPatchSchema, response: settingsSchema },
  'auth:status': { request: nothing, response: authStatusSchema },
  'auth:signIn': { request: z.strictObject({ backendUrl: httpUrl, token: z.string().min(1).max(16_384) }), response: authStatusSchema },
  'auth:signOut': { request: nothing, response: authStatusSchema },
  /** Shows the OS file picker in main; the page gets a grant per chosen file, never its path (none when cancelled). */
  'dialog:pickFiles': { request: nothing, response: z.array(fileGrantSchema) },
  /** Preload only (PRELOAD_CHANNELS): the paths of `File` objects dropped on the window, read by the preload; a grant for each. */
  'files:grantDropped': { request: z.strictObject({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000) }), response: z.array(fileGrantSchema) },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

export type RequestChannel = keyof typeof REQUESTS;
/**
 * Channels the preload calls itself and never exposes to the page: what they carry (a dropped
 * file's path) the page must not be able to make up. Carriers where the page itself sends every
 * request (the browser harness) refuse them.
 */
export const PRELOAD_CHANNELS = ['files:grantDropped'] as const satisfies readonly RequestChannel[];
export type PreloadChannel = (typeof PRELOAD_CHANNELS)[number];
/** The channels `window.dockside` has a method for. */
export type PageChannel = Exclude<RequestChannel, PreloadChannel>;
export const PAGE_CHANNELS = (Object.keys(REQUESTS) as RequestChannel[]).filter((channel): channel is PageChannel => !(PRELOAD_CHANNELS as readonly string[]).includes(channel));
export type RequestOf<C extends RequestChannel> = z.input<(typeof REQUESTS)[C]['request']>;
export type ResponseOf<C extends RequestChannel> = z.infer<(typeof REQUESTS)[C]['response']>;

/** Event channels (main → renderer, `webContents.send`). */
export const EVENTS = {
  'transfers:changed': z.array(transferViewSchema),
  'log:appended': logEntrySchema,
  'auth:changed': authStatusSchema,
} as const satisfies Record<string, z.ZodType>;

export type EventChannel = keyof typeof EVENTS;
export type EventOf<C extends EventChannel> = z.infer<(typeof EVENTS)[C]>;

/** The shape of `window.dockside` the preload exposes: one method per request, one `on…` per event. */
export type DocksideApi = {
  readonly [C in PageChannel as ApiMethodName<C>]: (...request: RequestOf<C> extends undefined ? [] : [request: RequestOf<C>]) => Promise<ResponseOf<C>>;
} & {
  readonly [C in EventChannel as ApiEventName<C>]: (listener: (payload: EventOf<C>) => void) => () => void;
};

/** `transfers:pauseAll` → `transfersPauseAll`. */
export type ApiMethodName<C extends string> = C extends `${infer D}:${infer V}` ? `${D}${Capitalize<V>}` : never;
/** `transfers:changed` → `onTransfersChanged`. */
export type ApiEventName<C extends string> = C extends `${infer D}:${infer V}` ? `on${Capitalize<D>}${Capitalize<V>}` : never;

export function apiMethodName<C extends RequestChannel>(channel: C): ApiMethodName<C> {
  const [domain, verb] = channel.split(':') as [string, string];
  return `${domain}${verb[0]!.toUpperCase()}${verb.slice(1)}` as ApiMethodName<C>;
}

export function apiEventName<C extends EventChannel>(channel: C): ApiEventName<C> {
  const [domain, verb] = channel.split(':') as [string, string];
  return `on${domain[0]!.toUpperCase()}${domain.slice(1)}${verb[0]!.toUpperCase()}${verb.slice(1)}` as ApiEventName<C>;
}

/** Every IPC failure reaches the renderer in this form (never a stack, never a secret). */
export const ipcErrorSchema = z.object({ code: z.string(), message: z.string() });
export type IpcError = z.infer<typeof ipcErrorSchema>;

/**
 * What a main-side handler returns over `ipcRenderer.invoke`. Electron flattens a thrown error
 * into a bare message ("Error invoking remote method …"), so failures travel as data instead and
 * the preload turns `{ ok: false }` into a rejected promise whose reason is the `IpcError` itself
 * (a plain object, which survives the context bridge intact). Its `code` is an `ErrorCode`, or
 * `FORBIDDEN` (the sender is not our window), or `IPC_FAILED` (the preload could not reach main
 * or did not understand the reply).
 */
export type IpcResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };
export const ipcResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ipcErrorSchema }),
]);

/**
 * `window.docksideFiles`, beside `window.dockside`: takes the `File` objects of a drop (a page
 * cannot make a `File` with a path it chose: `new File([...], name)` has none) and resolves with
 * a grant for each one that is a file on this computer; none when no file has a path.
 */
export interface DocksideFilesApi {
  readonly grantDropped: (files: readonly File[]) => Promise<string[]>;
}

/** Largest request payload (serialised as JSON) a handler accepts: 10,000 paths of ordinary length fit. */
export const MAX_IPC_PAYLOAD_BYTES = 8 * 1024 * 1024;
