/** A stand-in for Electron's ipcMain: handlers kept in a map the test invokes directly. */
export type InvokeListener = (event: unknown, ...args: unknown[]) => unknown;

export const handlers = new Map<string, InvokeListener>();

export const ipcMain = {
  handle(channel: string, listener: InvokeListener): void {
    // As in Electron: a second handler for one channel is a bug.
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, listener);
  },
  removeHandler(channel: string): void {
    handlers.delete(channel);
  },
};
