import { describe, expect, it } from 'vitest';
import type { TransferLogEntry, TransferState } from '../../../src/shared/transfer-model.js';
import { filesFromArgv, parseHandoff } from '../../../src/main/app/launch.js';
import { transfersToResumeOnLaunch } from '../../../src/main/desktop/resume-on-launch.js';
import { record } from './fixtures.js';

describe('filesFromArgv', () => {
  it.each<[string, string[], boolean, string[]]>([
    ['packaged, files after the executable', ['/opt/Dockside/dockside', '/data/a.bin', 'rel/b.bin'], true, ['/data/a.bin', '/home/ann/rel/b.bin']],
    ['unpackaged skips the app path', ['/usr/bin/electron', '.', '/data/a.bin'], false, ['/data/a.bin']],
    ['switches are dropped', ['/opt/Dockside/dockside', '--allow-file-access-from-files', '--original-process-start-time=1', '/data/a.bin'], true, ['/data/a.bin']],
    ['after -- everything is a file', ['/opt/Dockside/dockside', '--', '--weird-name.bin'], true, ['/home/ann/--weird-name.bin']],
    ['duplicates once', ['/opt/Dockside/dockside', '/data/a.bin', '/data/a.bin'], true, ['/data/a.bin']],
    ['nothing', ['/opt/Dockside/dockside'], true, []],
  ])('%s', (_name, argv, isPackaged, files) => {
    expect(filesFromArgv(argv, { isPackaged, cwd: '/home/ann' })).toEqual(files);
  });
});

describe('parseHandoff', () => {
  it.each<[string, unknown, string[]]>([
    ['our shape', { files: ['/data/a.bin'] }, ['/data/a.bin']],
    ['relative paths are dropped', { files: ['a.bin', '/data/b.bin'] }, ['/data/b.bin']],
    ['extra keys', { files: ['/a'], evil: 1 }, []],
    ['not an object', 'files', []],
    ['nothing', undefined, []],
    ['wrong types', { files: [1] }, []],
  ])('%s', (_name, data, files) => expect(parseHandoff(data)).toEqual(files));
});

describe('transfersToResumeOnLaunch', () => {
  const pauseEntry = (reason: string): TransferLogEntry => ({ id: 1, transferId: 'x', at: 1, level: 'info', type: 'transfer.paused', message: 'Paused.', data: { reason } });
  it('resumes what a crash or Dockside itself stopped, oldest first; leaves user pauses and failures', () => {
    const records = ([
      ['crashed', 'running', 3],
      ['queued', 'queued', 1],
      ['completing', 'completing', 2],
      ['quit', 'paused', 4],
      ['user', 'paused', 5],
      ['never-logged', 'paused', 6],
      ['failed', 'failed', 7],
      ['done', 'completed', 8],
      ['cancelled', 'cancelled', 9],
    ] as Array<[string, TransferState, number]>).map(([id, state, createdAt]) => record({ id, state, createdAt }));
    const pauses: Record<string, TransferLogEntry> = {
      quit: pauseEntry('shutdown'),
      user: pauseEntry('pause'),
    };
    expect(transfersToResumeOnLaunch(records, (id) => pauses[id] ?? null)).toEqual(['queued', 'completing', 'crashed', 'quit']);
  });
});
