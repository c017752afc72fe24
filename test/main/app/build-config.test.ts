import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBuildConfig } from '../../../src/main/app/build-config.js';

const dir = mkdtempSync(join(tmpdir(), 'dockside-build-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readBuildConfig', () => {
  it('reads the baked-in backend, and treats a missing, damaged or odd file as none', () => {
    const file = join(dir, 'build-config.json');
    expect(readBuildConfig(file)).toEqual({ backendUrl: null });
    writeFileSync(file, JSON.stringify({ backendUrl: 'https://dockside.firm.example', version: '1.0.0' }));
    expect(readBuildConfig(file)).toEqual({ backendUrl: 'https://dockside.firm.example' });
    for (const content of ['{', JSON.stringify({ backendUrl: 'javascript:alert(1)' }), JSON.stringify({ backendUrl: 42 })]) {
      writeFileSync(file, content);
      expect(readBuildConfig(file)).toEqual({ backendUrl: null });
    }
  });
});
