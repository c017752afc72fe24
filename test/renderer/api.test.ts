// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeMissingError, getDocksideApi, grantsForDroppedFiles } from '../../src/renderer/api.js';
import { createFakeApi } from './fake-api.js';

type Writable = { dockside?: unknown; docksideFiles?: unknown };
const win = window as unknown as Writable;

afterEach(() => {
  delete win.dockside;
  delete win.docksideFiles;
});

describe('getDocksideApi', () => {
  it('returns the bridge the preload exposed', () => {
    const api = createFakeApi();
    win.dockside = api;
    expect(getDocksideApi()).toBe(api);
  });

  it('says plainly when there is no bridge', () => {
    expect(() => getDocksideApi()).toThrow(BridgeMissingError);
    expect(() => getDocksideApi()).toThrow(/window\.dockside is missing/);
  });
});

describe('grantsForDroppedFiles', () => {
  it('hands the File objects themselves to the file bridge and resolves with its grants', async () => {
    const files = [new File([], 'a.zip'), new File([], 'b.zip')];
    let given: unknown = null;
    win.docksideFiles = { grantDropped: async (dropped: readonly File[]) => ((given = dropped), ['a'.repeat(32)]) };
    await expect(grantsForDroppedFiles(files)).resolves.toEqual(['a'.repeat(32)]);
    expect(given).toEqual(files);
  });

  it('has no grants without a file bridge (a plain browser)', async () => {
    await expect(grantsForDroppedFiles([new File([], 'a.zip')])).resolves.toEqual([]);
  });
});
