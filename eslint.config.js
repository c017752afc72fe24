// @ts-check
// Lint, including the layering rule of ../shared/DESIGN.md:
//   shared <- engine <- (journal) <- app / cli;  renderer sees only shared;  backend sees only shared;
//   nothing imports `electron` outside src/main/app;  better-sqlite3 only in src/main/journal.
// The rule is tested by test/lint/layering.test.ts, so it cannot silently stop firing.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

/** @param {string} target @param {string[]} from @param {string} message */
const zone = (target, from, message) => ({ target, from, message });

const main = (...names) => names.map((name) => `./src/main/${name}`);
const layering = [
  zone('./src/shared', ['./src/main', './src/renderer', './src/harness', './backend'], 'src/shared is pure and imports nothing else of ours.'),
  zone('./src/main/engine', [...main('app', 'cli', 'journal', 'settings', 'net', 'support', 'desktop'), './src/renderer', './src/harness', './backend'],
    'the engine sees only src/shared and itself; implementations are wired in the composition roots (cli, desktop).'),
  zone('./src/main/journal', [...main('app', 'cli', 'settings', 'net', 'support', 'desktop'), './src/renderer', './src/harness', './backend'],
    'the journal implements engine ports; it must not depend on the app, CLI, renderer or backend.'),
  zone('./src/main/settings', [...main('app', 'cli', 'journal', 'net', 'support', 'desktop'), './src/renderer', './src/harness', './backend'],
    'settings and machine-wide policy see only src/shared and the engine; both front ends read them.'),
  zone('./src/main/net', [...main('app', 'cli', 'journal', 'engine', 'settings', 'support', 'desktop'), './src/renderer', './src/harness', './backend'],
    'proxies and CAs are plain Node networking; the composition roots hand them to the engine.'),
  zone('./src/main/support', [...main('app', 'cli', 'desktop'), './src/renderer', './src/harness', './backend'],
    'support tools (log query, diagnostics, doctor) are shared by the CLI and the app, and depend on neither.'),
  zone('./src/main/desktop', [...main('app', 'cli'), './src/renderer', './src/harness', './backend'],
    'the desktop app behind the IPC contract is Electron-free: the Electron glue (app) and the browser harness both use it.'),
  zone('./src/main/cli', [...main('app', 'desktop'), './src/renderer', './src/harness', './backend'], 'the CLI must not depend on the Electron app, renderer or backend.'),
  zone('./src/main/app', ['./src/main/cli', './src/renderer', './src/harness', './backend'], 'the Electron glue must not depend on the CLI, the renderer or the harness.'),
  zone('./src/renderer', ['./src/main', './src/harness', './backend'], 'the renderer reaches main only through the IPC contract in src/shared.'),
  zone('./src/harness', ['./src/main/app', './src/main/cli', './backend'], 'the browser harness stands in for Electron; it uses the same desktop services, never the Electron glue.'),
  zone('./backend', ['./src/main', './src/renderer', './src/harness'], 'the backend sees only src/shared.'),
];

const electronMessage = 'Only src/main/app may import electron (keep Electron glue thin).';
const sqliteMessage = 'Only src/main/journal may use better-sqlite3.';
const electronBan = { group: ['electron', 'electron/*'], message: electronMessage };
const sqliteBan = { group: ['better-sqlite3', 'better-sqlite3/*'], message: sqliteMessage };
const reactBan = { group: ['react', 'react/*', 'react-dom', 'react-dom/*'], message: 'src/shared is UI-free.' };
// no-restricted-imports sees static imports only; a dynamic import('electron') is caught here.
const dynamicElectron = {
  selector: "ImportExpression[source.value=/^electron(\\/|$)/]",
  message: electronMessage,
};
/** @param {object[]} patterns */
const restrict = (...patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['node_modules/**', '.runtime/**', 'dist/**', 'coverage/**', 'bench/.cache/**', 'test/lint/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    plugins: { import: importPlugin },
    settings: {
      // Resolves our `.js` specifiers to the `.ts` files, so the zones below see real paths.
      'import/resolver': { typescript: { project: ['./tsconfig.json', './tsconfig.renderer.json'] } },
    },
    rules: {
      // basePath: zones are resolved from this file's folder, not from wherever ESLint was started.
      'import/no-restricted-paths': ['error', { zones: layering, basePath: import.meta.dirname }],
      'import/no-unresolved': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': restrict(electronBan, sqliteBan),
      'no-restricted-syntax': ['error', dynamicElectron],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'backend/**/*.ts'],
    rules: { 'import/no-default-export': 'error' },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': restrict(electronBan, sqliteBan, reactBan),
      // Catches `fs` as well as `node:fs`.
      'import/no-nodejs-modules': 'error',
    },
  },
  {
    // The React renderer runs in a browser window (Chromium, sandboxed): browser globals, no Node ones.
    files: ['src/renderer/**', 'test/renderer/**', 'src/harness/page/**'],
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', navigator: 'readonly', HTMLElement: 'readonly',
        HTMLInputElement: 'readonly', Event: 'readonly', DragEvent: 'readonly', File: 'readonly',
        FileList: 'readonly', requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly',
        EventSource: 'readonly', MessageEvent: 'readonly', fetch: 'readonly',
      },
    },
  },
  {
    files: ['src/main/app/**'],
    rules: { 'no-restricted-imports': restrict(sqliteBan), 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/main/journal/**', 'test/**'],
    rules: { 'no-restricted-imports': restrict(electronBan) },
  },
);
