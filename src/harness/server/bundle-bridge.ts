/** Bundles the page bridge (harness-bridge.ts and the contract it imports) into one browser script. */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function bundleBridge(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../page/harness-bridge.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
