/** Turns whatever a failed bridge call rejected with into one sentence for people. */
import { ipcErrorSchema } from '../shared/ipc-contract.js';

// Electron wraps errors thrown in `ipcMain.handle` as "Error invoking remote method 'x': Error: why".
const ELECTRON_PREFIX = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

/** The message of an IpcError or Error, without Electron's wrapping; a generic sentence otherwise. */
export function describeError(error: unknown): string {
  const parsed = ipcErrorSchema.safeParse(error);
  const message = parsed.success ? parsed.data.message : error instanceof Error ? error.message : '';
  const clean = message.replace(ELECTRON_PREFIX, '').trim();
  return clean === '' ? 'Something went wrong; the transfer log may say more.' : clean;
}
