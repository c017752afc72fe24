/** FileSource on node:fs: stat for identity, positional reads (no whole-file buffering). */
import { constants, read, type BigIntStats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DocksideError } from '../../shared/errors.js';
import { identityOf, type FileIdentity } from './file-identity.js';
import type { FileSource, OpenFile } from './ports.js';

/**
 * Opening never waits: a named pipe (a FIFO put where the file was) would block a plain open
 * until something writes to it, for ever and through SIGTERM. O_NONBLOCK changes nothing for
 * regular files; it does not exist on Windows, where opening a pipe does not block this way.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export class NodeFileSource implements FileSource {
  /** Stats `path`; a directory or special file is refused. */
  async identify(path: string): Promise<FileIdentity> {
    try {
      return regularFile(path, await stat(path, { bigint: true }));
    } catch (error) {
      throw fileError(path, error);
    }
  }

  async open(path: string): Promise<OpenFile> {
    let handle: FileHandle | null = null;
    try {
      handle = await open(path, OPEN_FLAGS);
      // What was opened, not what the path named a moment before: it must be a regular file.
      regularFile(path, await handle.stat({ bigint: true }));
      return new NodeOpenFile(path, handle);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw fileError(path, error);
    }
  }
}

function regularFile(path: string, info: BigIntStats): FileIdentity {
  if (!info.isFile()) {
    const kind = info.isDirectory() ? 'a folder' : info.isFIFO() ? 'a named pipe' : info.isSocket() ? 'a socket' : 'a device';
    throw new DocksideError('FILE_UNREADABLE', `${path} is not a regular file but ${kind}: only files can be uploaded.`);
  }
  return identityOf(info);
}

class NodeOpenFile implements OpenFile {
  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  async identity(): Promise<FileIdentity> {
    try {
      return identityOf(await this.handle.stat({ bigint: true }));
    } catch (error) {
      throw fileError(this.path, error);
    }
  }

  async readExactly(buffer: Buffer, length: number, position: number): Promise<void> {
    let done = 0;
    try {
      while (done < length) {
        const bytesRead = await readAt(this.handle.fd, buffer, done, length - done, position + done);
        if (bytesRead === 0) {
          throw new DocksideError('FILE_CHANGED', `${this.path} ended early at byte ${position + done}: it was truncated during the upload.`);
        }
        done += bytesRead;
      }
    } catch (error) {
      throw fileError(this.path, error);
    }
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

function fileError(path: string, error: unknown): DocksideError {
  if (error instanceof DocksideError) return error;
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return new DocksideError('FILE_NOT_FOUND', `${path} does not exist (moved, deleted, or on a drive that is not connected).`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new DocksideError('FILE_UNREADABLE', `${path} cannot be read: permission denied.`, { cause: error });
    case 'EISDIR':
      return new DocksideError('FILE_UNREADABLE', `${path} is a directory; upload the files inside it.`, { cause: error });
    default:
      return new DocksideError('FILE_UNREADABLE', `${path} cannot be read (${code ?? String(error)}).`, { cause: error });
  }
}

/**
 * One positional read on the handle's descriptor. The callback form, not FileHandle.read: every
 * byte of an upload passes through here in 256 KiB reads, and the promise API allocates several
 * objects per call (a third of the engine's JS allocations during an upload, by V8's sampling
 * heap profiler) where this allocates one promise.
 */
function readAt(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))));
}
