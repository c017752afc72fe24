/** FileSource on node:fs: stat for identity, positional reads (no whole-file buffering). */
import { read } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DocksideError } from '../../shared/errors.js';
import type { FileIdentity, FileSource, OpenFile } from './ports.js';

export class NodeFileSource implements FileSource {
  /** Stats `path`; a directory or special file is refused. */
  async identify(path: string): Promise<FileIdentity> {
    try {
      const info = await stat(path);
      if (!info.isFile()) {
        throw new DocksideError('FILE_UNREADABLE', `${path} is not a regular file (directories and devices cannot be uploaded).`);
      }
      return toIdentity(info);
    } catch (error) {
      throw fileError(path, error);
    }
  }

  async open(path: string): Promise<OpenFile> {
    try {
      const handle = await open(path, 'r');
      return new NodeOpenFile(path, handle);
    } catch (error) {
      throw fileError(path, error);
    }
  }
}

class NodeOpenFile implements OpenFile {
  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  async identity(): Promise<FileIdentity> {
    try {
      return toIdentity(await this.handle.stat());
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

function toIdentity(info: { size: number; mtimeMs: number; dev: number; ino: number }): FileIdentity {
  return { size: info.size, mtimeMs: Math.floor(info.mtimeMs), dev: info.dev, ino: info.ino };
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

/** Serialised identity kept in the journal. */
export function identityKey(identity: FileIdentity): string {
  return `${identity.size}:${identity.mtimeMs}:${identity.dev}:${identity.ino}`;
}

/** Why `current` differs from the journaled identity, or null when it is the same file. */
export function identityChange(journaled: { size: number; mtimeMs: number }, current: FileIdentity): string | null {
  if (current.size !== journaled.size) return `its size changed from ${journaled.size} to ${current.size} bytes`;
  if (current.mtimeMs !== journaled.mtimeMs) {
    return `it was modified at ${new Date(current.mtimeMs).toISOString()} (was ${new Date(journaled.mtimeMs).toISOString()})`;
  }
  return null;
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
