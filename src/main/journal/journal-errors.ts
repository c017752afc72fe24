/**
 * SQLite's and the file system's failures as a JOURNAL error a person can act on: what the
 * journal could not do, why (disk full, read-only, I/O error, locked, damaged) and what to do.
 * Whatever was committed before stays committed (every write is one transaction), so the advice
 * ends, where it can, with `dockside resume`.
 */
import { DocksideError } from '../../shared/errors.js';

/** What went wrong, as the person at the machine would put it, and what they can do about it. */
interface Cause {
  readonly what: string;
  readonly advice: string;
}

const RESUME = 'Everything journaled so far is kept: then run `dockside resume` to continue.';

/** SQLite result codes (primary, or extended where the extended one says more) and errno codes. */
function causeOf(code: string): Cause | null {
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_IOERR_SHMSIZE') {
    return { what: 'the disk is full', advice: `Free space on that disk. ${RESUME}` };
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') {
    return {
      what: 'the journal is read-only',
      advice: `Check that the disk is not mounted read-only and that you may write to the file and its folder. ${RESUME}`,
    };
  }
  if (code === 'SQLITE_PERM' || code === 'SQLITE_AUTH' || code === 'EACCES' || code === 'EPERM') {
    return { what: 'permission was refused', advice: `Check that you may write to the file and its folder. ${RESUME}` };
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return { what: 'the disk reported an I/O error', advice: `Check the disk (the system log says more) and that it is still connected. ${RESUME}` };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { what: 'another process kept the journal locked for too long', advice: 'Try again in a moment; nothing was changed.' };
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return {
      what: 'the journal file is damaged',
      advice: 'Keep a copy of it for support (`dockside diagnostics export`); to start afresh, point DOCKSIDE_HOME (or --home) at an empty folder.',
    };
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'ENOENT' || code === 'ENOTDIR') {
    return { what: 'SQLite cannot open the file', advice: 'Check that its folder exists and that you may write to it.' };
  }
  return null;
}

/**
 * `error` (a SqliteError, a Node errno error, anything) as DocksideError('JOURNAL'); `doing` says
 * what the journal was asked to do ("record part 3"), `journal` names it (its path). A
 * DocksideError is returned as it is: it already says what it means.
 */
export function journalError(error: unknown, journal: string, doing: string): DocksideError {
  if (error instanceof DocksideError) return error;
  const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : '';
  const message = (error as Error | null)?.message ?? String(error);
  // Node's errno messages start with their code ("EROFS: read-only file system, ..."): say it once.
  const detail = code && message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
  const cause = causeOf(code);
  const why = cause ? `${cause.what} (${code}: ${detail})` : code ? `${code}: ${detail}` : detail;
  const advice = cause ? ` ${cause.advice}` : '';
  return new DocksideError('JOURNAL', `The journal at ${journal} could not ${doing}: ${why}.${advice}`, { cause: error });
}
