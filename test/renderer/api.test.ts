// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeMissingError, getDocksideApi, pathsOfDroppedFiles } from '../../src/renderer/api.js';
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

describe('pathsOfDroppedFiles', () => {
  it('asks the file bridge for each path and drops unknown ones', () => {
    win.docksideFiles = { pathForFile: (file: File) => (file.name === 'blob' ? '' : `/data/${file.name}`) };
    expect(pathsOfDroppedFiles([new File([], 'a.zip'), new File([], 'blob')])).toEqual(['/data/a.zip']);
  });

  it('finds no paths without a file bridge (a plain browser)', () => {
    expect(pathsOfDroppedFiles([new File([], 'a.zip')])).toEqual([]);
  });
});
