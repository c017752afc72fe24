import { describe, expect, it } from 'vitest';
import type { TransferView } from '../../../src/shared/ipc-contract.js';
import { enabledActions, percentValue, transferRowView } from '../../../src/renderer/uploads/transfer-row-view.js';
import { transfer } from '../fixtures.js';

describe('transferRowView', () => {
  it('a running transfer reads as people expect', () => {
    expect(transferRowView(transfer())).toMatchObject({
      id: 't1',
      fileName: 'matter-2291.zip',
      stateLabel: 'Uploading',
      percent: 31,
      percentText: '31.0 %',
      bytesText: '12.4 GB of 40.0 GB',
      speedText: '85.0 MB/s',
      etaText: 'about 9 min left',
      errorText: null,
    });
  });

  it.each<[string, Partial<TransferView>, Partial<ReturnType<typeof transferRowView>>]>([
    ['queued', { state: 'queued', bytesDone: 0 }, { stateLabel: 'Queued', speedText: '', etaText: 'waiting to start', percent: 0 }],
    ['paused', { state: 'paused' }, { stateLabel: 'Paused', speedText: '', etaText: 'paused' }],
    ['running, no estimate yet', { etaSeconds: null }, { etaText: 'estimating…' }],
    ['completing', { state: 'completing', bytesDone: 40_000_000_000 }, { stateLabel: 'Finishing', etaText: 'finishing…', percent: 100 }],
    ['completed shows full bytes', { state: 'completed', bytesDone: 0 }, { percent: 100, percentText: '100.0 %', bytesText: '40.0 GB of 40.0 GB', etaText: 'done' }],
    [
      'failed says why',
      { state: 'failed', error: { code: 'ACCESS_DENIED', message: 'Sign in again: the backend refused the upload.', retryable: false } },
      { stateLabel: 'Failed', errorText: 'Sign in again: the backend refused the upload.', etaText: 'stopped' },
    ],
    ['failed without a reason', { state: 'failed', error: null }, { errorText: 'The upload stopped for an unknown reason.' }],
    [
      'cancelled on the server says so, and why',
      { state: 'cancelled', error: { code: 'UPLOAD_CANCELLED', message: 'Upload 01JF was cancelled on the Dockside server, so Dockside stopped sending it.', retryable: false } },
      { stateLabel: 'Cancelled on the server', errorText: 'Upload 01JF was cancelled on the Dockside server, so Dockside stopped sending it.', etaText: 'cancelled' },
    ],
    ['cancelled here: no reason to give', { state: 'cancelled', error: null }, { stateLabel: 'Cancelled', errorText: null }],
    ['nearly done is not 100', { bytesDone: 39_999_999_999 }, { percent: 99.9, percentText: '99.9 %' }],
    ['empty file', { size: 0, bytesDone: 0, state: 'completed' }, { percent: 100, bytesText: '0 B of 0 B' }],
    ['running: no verification yet', { verification: null }, { verification: null }],
    [
      'done, checked by the server',
      { state: 'completed', verification: 'server-checksum' },
      { verification: { text: 'Verified by the server, which checked the CRC32 of every part and of the whole object', weak: false } },
    ],
    [
      'done, Content-MD5 only',
      { state: 'completed', verification: 'content-md5' },
      { verification: { text: "Verified part by part by the server's Content-MD5 checks (it checks no CRC32)", weak: false } },
    ],
    [
      'done, sizes only: marked weak, never called verified',
      { state: 'completed', verification: 'size-only' },
      { verification: { text: 'Not verified by the server, which checks no checksum: only sizes were compared', weak: true } },
    ],
    [
      'done, sizes only but the file was read again',
      { state: 'completed', verification: 'size-only', fileReread: true },
      { verification: { text: 'Not verified by the server, which checks no checksum: only sizes were compared; the file was read again in full after sending and matched', weak: false } },
    ],
    [
      'checking parts already sent at a resume',
      { checking: { what: 'sample', bytesDone: 100_000_000, bytesTotal: 400_000_000 } },
      { etaText: 'checking parts already sent: 100 MB of 400 MB' },
    ],
    [
      'reading the whole file again after Complete',
      { state: 'completing', checking: { what: 'file', bytesDone: 20_000_000_000, bytesTotal: 40_000_000_000 } },
      { etaText: 'reading the file again to check it: 20.0 GB of 40.0 GB' },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(transferRowView(transfer(overrides))).toMatchObject(expected);
  });
});

describe('enabledActions', () => {
  const retryable = { code: 'NETWORK', message: 'x', retryable: true };
  const fatal = { code: 'FILE_CHANGED', message: 'x', retryable: false };
  it.each<[string, Pick<TransferView, 'state' | 'error'>, string]>([
    // expected: the enabled actions among pause, resume, cancel, retry
    ['queued', { state: 'queued', error: null }, 'pause cancel'],
    ['running', { state: 'running', error: null }, 'pause cancel'],
    ['paused', { state: 'paused', error: null }, 'resume cancel'],
    ['completing', { state: 'completing', error: null }, 'cancel'],
    ['completed', { state: 'completed', error: null }, ''],
    ['cancelled', { state: 'cancelled', error: null }, ''],
    // Nothing resumes it: the message says to add the file again.
    ['cancelled on the server', { state: 'cancelled', error: { code: 'UPLOAD_CANCELLED', message: 'x', retryable: false } }, ''],
    ['failed, retryable', { state: 'failed', error: retryable }, 'resume cancel retry'],
    ['failed, not retryable', { state: 'failed', error: fatal }, 'cancel retry'],
  ])('%s', (_name, transferState, expected) => {
    const actions = enabledActions(transferState);
    const enabled = (['pause', 'resume', 'cancel', 'retry'] as const).filter((action) => actions[action]);
    expect(enabled.join(' ')).toBe(expected);
  });
});

describe('percentValue', () => {
  it.each([
    [0, 100, 0],
    [1, 3, 33.3],
    [999, 1000, 99.9],
    [1000, 1000, 100],
    [0, 0, 100],
    [-5, 100, 0],
  ])('%d of %d is %d', (done, total, expected) => {
    expect(percentValue(done, total)).toBe(expected);
  });
});
