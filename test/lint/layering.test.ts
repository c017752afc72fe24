// Proves the layering rule in eslint.config.js fires (see its header and ../shared/DESIGN.md):
//   shared <- engine <- app / cli;  renderer and backend see only shared;
//   `electron` only in src/main/app;  `better-sqlite3` only in src/main/journal.
//
// Each case lints a small piece of code with ESLint's Node API as if it were a file at a virtual path
// inside the real tree, so the config's `files` globs and `no-restricted-paths` zones apply to it.
// The import resolver needs import targets to exist, so the layers that may not have real files yet
// get a throw-away probe module for the duration of this file (removed again in afterAll).
import { existsSync, mkdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const root = process.cwd();
// Unique per process, so concurrent runs never delete each other's probes, and no real file has this name.
const PROBE = `__dockside_lint_probe_${process.pid}__`;
const VIRTUAL = `__dockside_lint_virtual_${process.pid}__.ts`;

const probeDirs = ['src/main/engine', 'src/main/app', 'src/main/cli', 'src/renderer', 'backend'] as const;
type ProbeDir = (typeof probeDirs)[number];
type Layer = ProbeDir | 'src/shared' | 'src/main/journal';

const createdFiles: string[] = [];
const createdDirs: string[] = [];

function mkdirTracked(relativeDir: string): void {
  const missing: string[] = [];
  for (let dir = path.join(root, relativeDir); !existsSync(dir); dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    mkdirSync(dir);
    createdDirs.push(dir);
  }
}

function removeProbes(): void {
  try {
    for (const file of createdFiles.splice(0).reverse()) {
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  } finally {
    // Only directories this file created, deepest first, and only if nobody else put something in them.
    for (const dir of createdDirs.splice(0).reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty (someone else is using it now) or already gone: leave it
      }
    }
  }
}

let eslint: ESLint;

beforeAll(() => {
  try {
    for (const dir of probeDirs) {
      mkdirTracked(dir);
      const file = path.join(root, dir, `${PROBE}.ts`);
      writeFileSync(file, 'export const probe = 1;\n', { flag: 'wx' });
      createdFiles.push(file);
    }
  } catch (error) {
    removeProbes();
    throw error;
  }
  eslint = new ESLint({ cwd: root });
});

afterAll(() => {
  removeProbes();
});

/** The import specifier that reaches the probe module in `to` from a file in `from`. */
function probeSpecifier(from: Layer, to: ProbeDir): string {
  const relative = path.posix.relative(from, `${to}/${PROBE}.js`);
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** The real units module (the same in every checkout) as seen from a file in `from`. */
function unitsSpecifier(from: Layer): string {
  return path.posix.relative(from, 'src/shared/units.js');
}

/** Lint `code` as a file in `layer`; returns every error-severity message. */
async function lintErrors(layer: Layer, code: string): Promise<ESLint.LintResult['messages']> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, layer, VIRTUAL) });
  if (result === undefined) throw new Error('ESLint returned no result');
  return result.messages.filter((message) => message.severity === 2);
}

function importing(specifier: string, name = 'probe'): string {
  return `import { ${name} } from '${specifier}';\nexport const y = ${name};\n`;
}

function importingDefault(specifier: string): string {
  return `import imported from '${specifier}';\nexport const y = imported;\n`;
}

/** Asserts the specific rule reported an error, and that the import itself resolved (so the probe setup is sound). */
async function expectRule(layer: Layer, code: string, ruleId: string): Promise<void> {
  const errors = await lintErrors(layer, code);
  const summary = errors.map((message) => `${message.ruleId ?? 'fatal'}: ${message.message}`);
  expect(summary.filter((line) => line.startsWith('fatal') || line.startsWith('import/no-unresolved'))).toEqual([]);
  expect(errors.map((message) => message.ruleId), summary.join('\n')).toContain(ruleId);
}

async function expectClean(layer: Layer, code: string): Promise<void> {
  const errors = await lintErrors(layer, code);
  expect(errors.map((message) => `${message.ruleId ?? 'fatal'}: ${message.message}`)).toEqual([]);
}

const PATHS = 'import/no-restricted-paths';
const IMPORTS = 'no-restricted-imports';
const BUILTINS = 'import/no-nodejs-modules';
const SYNTAX = 'no-restricted-syntax';

describe('layering rule: forbidden imports are errors', () => {
  it('src/shared may not import src/main/engine', async () => {
    await expectRule('src/shared', importing(probeSpecifier('src/shared', 'src/main/engine')), PATHS);
  });

  it('src/shared may not import node:fs', async () => {
    await expectRule('src/shared', importing('node:fs', 'readFileSync'), BUILTINS);
  });

  it('src/shared may not import electron', async () => {
    await expectRule('src/shared', importing('electron', 'app'), IMPORTS);
  });

  it('src/main/engine may not import src/main/cli', async () => {
    await expectRule('src/main/engine', importing(probeSpecifier('src/main/engine', 'src/main/cli')), PATHS);
  });

  it('src/main/engine may not import electron', async () => {
    await expectRule('src/main/engine', importing('electron', 'app'), IMPORTS);
  });

  it('src/main/engine may not import better-sqlite3', async () => {
    await expectRule('src/main/engine', importingDefault('better-sqlite3'), IMPORTS);
  });

  it('src/main/cli may not import electron', async () => {
    await expectRule('src/main/cli', importing('electron', 'app'), IMPORTS);
  });

  it('src/main/cli may not import src/main/app', async () => {
    await expectRule('src/main/cli', importing(probeSpecifier('src/main/cli', 'src/main/app')), PATHS);
  });

  it('src/renderer may not import src/main/engine', async () => {
    await expectRule('src/renderer', importing(probeSpecifier('src/renderer', 'src/main/engine')), PATHS);
  });

  it('backend may not import src/main/engine', async () => {
    await expectRule('backend', importing(probeSpecifier('backend', 'src/main/engine')), PATHS);
  });

  it('src/main/engine may not have a default export', async () => {
    await expectRule('src/main/engine', 'const x = 1;\nexport default x;\n', 'import/no-default-export');
  });
});

// Ways around the plain rules that the config closes on purpose: bare built-in names, dynamic
// import(), and deep imports of a banned package.
describe('layering rule: indirect imports are errors too', () => {
  // `patterns: ['node:*']` only matches the prefixed form; the bare built-in names are not restricted.
  it('src/shared may not import a Node built-in without the node: prefix (fs)', async () => {
    await expectRule('src/shared', importing('fs', 'readFileSync'), BUILTINS);
  });

  // `no-restricted-imports` only looks at static import/export declarations, not at import().
  it('src/main/engine may not import electron dynamically', async () => {
    await expectRule('src/main/engine', "export const load = () => import('electron');\n", SYNTAX);
  });

  // `paths` entries match the exact package name only, so deep imports of the package slip through.
  // (A subpath the package exports: since 13 its `exports` leave lib/ unreachable, so only the
  // per-platform entry points such as better-sqlite3/linux-x64 resolve.)
  it('src/main/engine may not import a better-sqlite3 subpath', async () => {
    await expectRule('src/main/engine', importingDefault('better-sqlite3/linux-x64'), IMPORTS);
  });
});

describe('layering rule: allowed imports are clean', () => {
  it('src/main/app may import electron', async () => {
    await expectClean('src/main/app', importing('electron', 'app'));
  });

  it('src/main/engine may import src/shared/units.js', async () => {
    await expectClean('src/main/engine', importing(unitsSpecifier('src/main/engine'), 'parseSize'));
  });

  it('src/main/cli may import src/main/engine', async () => {
    await expectClean('src/main/cli', importing(probeSpecifier('src/main/cli', 'src/main/engine')));
  });

  it('backend may import src/shared/units.js', async () => {
    await expectClean('backend', importing(unitsSpecifier('backend'), 'parseSize'));
  });
});
