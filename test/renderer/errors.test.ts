import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/renderer/errors.js';

describe('describeError', () => {
  it.each<[string, unknown, string]>([
    ['an IpcError', { code: 'NOT_FOUND', message: 'No such transfer.' }, 'No such transfer.'],
    ['an Error', new Error('Disk full.'), 'Disk full.'],
    ['Electron-wrapped', new Error("Error invoking remote method 'transfers:add': Error: The file is gone."), 'The file is gone.'],
    ['Electron-wrapped IpcError name', new Error("Error invoking remote method 'x': TransferError: Paused."), 'Paused.'],
    ['nothing useful', 42, 'Something went wrong; the transfer log may say more.'],
    ['an empty message', new Error(''), 'Something went wrong; the transfer log may say more.'],
  ])('%s', (_name, error, expected) => {
    expect(describeError(error)).toBe(expected);
  });
});
