// Types for check-electron.mjs (plain JavaScript, run by `npm run check:electron` and imported by scripts/start.ts).
export interface ElectronRuntimes {
  readonly electron: { readonly version: string; readonly node: string; readonly chromium: string; readonly modules: number };
}
/** The differences between what the binary reports and runtimes.json; empty when they agree. */
export function compareElectron(reported: Record<string, string>, runtimes: ElectronRuntimes): string[];
/** process.versions as the Electron binary at `binary` reports them. */
export function readElectronVersions(binary: string): Record<string, string>;
/** The Electron binary's path, or null when there is none (never downloads with ELECTRON_SKIP_BINARY_DOWNLOAD set). */
export function electronBinary(root?: string, env?: Readonly<Record<string, string | undefined>>): string | null;
