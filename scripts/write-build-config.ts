/**
 * The build step that bakes the firm's backend URL into the app: writes dist/main/build-config.json
 * from DOCKSIDE_BUILD_BACKEND_URL (unset: no baked-in backend; the user or IT's policy sets one).
 * The app reads it beside its main bundle; a machine-wide policy's backendUrl overrides it.
 *
 *   DOCKSIDE_BUILD_BACKEND_URL=https://dockside.example.com node --import tsx scripts/write-build-config.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildConfig {
  /** The backend the app uses when neither policy nor the user names one; null for none. */
  readonly backendUrl: string | null;
  readonly version: string;
}

/** The build configuration from the environment; throws on a URL that is not plain http(s). */
export function buildConfigFrom(env: NodeJS.ProcessEnv, version: string): BuildConfig {
  const raw = env.DOCKSIDE_BUILD_BACKEND_URL?.trim();
  if (!raw) return { backendUrl: null, version };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`DOCKSIDE_BUILD_BACKEND_URL ${raw}: not a URL; use the form https://dockside.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`DOCKSIDE_BUILD_BACKEND_URL ${raw}: use an https:// URL.`);
  // A URL baked into an installer is readable by anyone who has the installer.
  if (url.username || url.password) throw new Error('DOCKSIDE_BUILD_BACKEND_URL must not contain a user name or password.');
  return { backendUrl: url.toString().replace(/\/$/, ''), version };
}

const isEntry = process.argv[1] !== undefined && /write-build-config\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const file = join(root, 'dist', 'main', 'build-config.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(buildConfigFrom(process.env, version), null, 2)}\n`);
  process.stdout.write(`${file}\n`);
}
