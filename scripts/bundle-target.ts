// esbuild targets for the bundles, derived from what names the runtimes instead of written into
// each build script: the CLI and the backend run on any Node package.json's engines allows, the
// desktop app's main process on the Node inside Electron (runtimes.json electron.node).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/**
 * package.json's engines floor (`>=24.11` → `node24.11`), so the syntax is what the oldest
 * supported Node runs, and follows the project when the floor moves.
 */
export function bundleTarget(): string {
  const { engines } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const floor = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(engines?.node?.trim() ?? '')?.[1];
  if (floor === undefined) throw new Error(`package.json engines.node must be ">=MAJOR[.MINOR]" to pick the bundle's target (got ${JSON.stringify(engines?.node)})`);
  return `node${floor}`;
}

/** The Node inside the Electron the app ships (runtimes.json electron.node → `node24.22.1`). */
export function electronBundleTarget(): string {
  const { electron } = JSON.parse(readFileSync(resolve(root, 'runtimes.json'), 'utf8')) as { electron: { node: string } };
  return `node${electron.node}`;
}
