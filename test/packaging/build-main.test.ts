// `npm run build:main` bundles Electron's main process and the preload. A sandboxed preload can
// require only `electron` (a few of its modules), so its bundle must need nothing else; main
// may need only Electron, better-sqlite3 (native, unpacked by electron-builder) and Node's own
// modules: everything else must be inside the bundle, since the package ships no other modules.
import { builtinModules } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMain } from '../../scripts/build-main.js';

let out: string;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'dockside-build-main-'));
  await buildMain(out);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every module a CommonJS bundle requires by name. */
function requires(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  return new Set([...text.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)].map((m) => m[1]!));
}

// Electron 45 runs Node 24, as the tests do; builtinModules lists the node:-only ones (node:sqlite) itself.
const node = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Names that appear in main's bundle without being loaded by our code paths, each with why:
 * the SDK's SigV4a signers are required inside try/catch only for multi-region access points
 * (which Dockside does not use); ajv's runtime helpers appear inside the code templates ajv uses
 * when it compiles a JSON schema, and electron-store is opened without a schema (settings are
 * checked with zod in src/main/settings), so that code is never generated.
 */
const NEVER_LOADED = new Set([
  '@aws-sdk/signature-v4-crt',
  '@aws-sdk/signature-v4a',
  'ajv/dist/runtime/validation_error',
  'ajv/dist/runtime/uri',
  'ajv/dist/runtime/ucs2length',
  'ajv/dist/runtime/equal',
  'ajv-formats/dist/formats',
]);

describe('the Electron bundles', () => {
  it('the preload needs only electron', () => {
    expect([...requires(join(out, 'preload.cjs'))]).toEqual(['electron']);
  });

  it('main needs only electron, better-sqlite3 and Node built-ins', () => {
    const outside = [...requires(join(out, 'main.cjs'))].filter((m) => !node.has(m) && m !== 'electron' && m !== 'better-sqlite3' && !NEVER_LOADED.has(m));
    expect(outside).toEqual([]);
    expect(requires(join(out, 'main.cjs'))).toContain('electron');
  });

  it('loads the native CRC32 at run time, from the modules electron-builder packages (else zlib)', () => {
    // Not a literal require(): the engine asks for it inside a try, so a platform without the
    // prebuilt binary falls back to zlib instead of failing to start.
    expect(readFileSync(join(out, 'main.cjs'), 'utf8')).toContain('"@node-rs/crc32"');
  });

  it('carries the tray icons main loads', () => {
    expect(existsSync(join(out, 'tray.png'))).toBe(true);
    expect(existsSync(join(out, 'trayTemplate.png'))).toBe(true);
  });

  it('the harness and the test tooling are not in main', () => {
    const text = readFileSync(join(out, 'main.cjs'), 'utf8');
    expect(text).not.toContain('development harness');
    expect(text).not.toContain('playwright');
  });
});
