// What the journal says when SQLite or the file system refuses: the cause in words, the code, and
// what to do. The codes are the ones better-sqlite3 puts on SqliteError (primary or extended) and
// Node puts on errno errors; the real ones are produced in journal-disk-faults.integration.test.ts.
import { describe, expect, it } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { journalError } from '../../../src/main/journal/journal-errors.js';

function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'SqliteError', code });
}

describe('journalError', () => {
  it.each([
    ['SQLITE_FULL', 'the disk is full', 'Free space on that disk', true],
    ['SQLITE_IOERR_SHMSIZE', 'the disk is full', 'Free space on that disk', true],
    ['ENOSPC', 'the disk is full', 'Free space on that disk', true],
    ['SQLITE_READONLY', 'the journal is read-only', 'not mounted read-only', true],
    ['SQLITE_READONLY_DBMOVED', 'the journal is read-only', 'not mounted read-only', true],
    ['EROFS', 'the journal is read-only', 'not mounted read-only', true],
    ['SQLITE_IOERR_WRITE', 'the disk reported an I/O error', 'Check the disk', true],
    ['SQLITE_IOERR_FSYNC', 'the disk reported an I/O error', 'Check the disk', true],
    ['EACCES', 'permission was refused', 'you may write to the file and its folder', true],
    ['SQLITE_BUSY', 'another process kept the journal locked for too long', 'Try again in a moment', false],
    ['SQLITE_CORRUPT', 'the journal file is damaged', 'dockside diagnostics export', false],
    ['SQLITE_NOTADB', 'the journal file is damaged', 'dockside diagnostics export', false],
    ['SQLITE_CANTOPEN', 'SQLite cannot open the file', 'its folder exists', false],
  ])('%s: says what happened and what to do', (code, what, advice, resume) => {
    const error = journalError(sqliteError(code, 'low-level text'), '/home/ana/.dockside/journal.sqlite', 'record part 3 of transfer T1');
    expect(error).toBeInstanceOf(DocksideError);
    expect(error.code).toBe('JOURNAL');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('The journal at /home/ana/.dockside/journal.sqlite could not record part 3 of transfer T1: ');
    expect(error.message).toContain(`${what} (${code}: low-level text).`);
    expect(error.message).toContain(advice);
    expect(error.message.includes('`dockside resume`')).toBe(resume);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('keeps an unknown code and its text rather than guessing', () => {
    const error = journalError(sqliteError('SQLITE_MISMATCH', 'datatype mismatch'), 'j.sqlite', 'read the transfer log');
    expect(error.message).toBe('The journal at j.sqlite could not read the transfer log: SQLITE_MISMATCH: datatype mismatch.');
  });

  it('passes a DocksideError through as it is (it already says what it means)', () => {
    const original = new DocksideError('TRANSFER_NOT_FOUND', 'No transfer T9 in the journal.');
    expect(journalError(original, 'j.sqlite', 'read transfer T9')).toBe(original);
  });
});
