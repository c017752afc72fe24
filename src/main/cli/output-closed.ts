/**
 * `dockside log | head` closes our stdout early. Like other Unix tools we then stop quietly,
 * and if transfers are running we pause them cleanly first, as for Ctrl-C.
 */
import { EventEmitter } from 'node:events';

const closed = new EventEmitter();

/** Called once when stdout's reader went away (EPIPE); returns an unsubscribe. */
export function onOutputClosed(listener: () => void): () => void {
  closed.on('closed', listener);
  return () => closed.off('closed', listener);
}

/** Watches stdout for EPIPE; with nobody to pause, ends the process with `exitCode`. */
export function watchOutput(exitCode: number): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (closed.listenerCount('closed') === 0) process.exit(exitCode);
    closed.emit('closed');
  });
}
