/**
 * Launch-time decisions, kept pure for tests: which files a launch was given (handed to the first
 * instance by the single-instance lock) and which transfers to resume when the app starts.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * File arguments of a launch: everything after the executable (and, unpackaged, after the app
 * path) that is not a switch. Chromium and the OS add switches (`--foo=bar`); `--` ends them.
 */
export function filesFromArgv(argv: readonly string[], options: { isPackaged: boolean; cwd: string }): string[] {
  const args = argv.slice(options.isPackaged ? 1 : 2);
  const files: string[] = [];
  let switches = true;
  for (const arg of args) {
    if (switches && arg === '--') {
      switches = false;
      continue;
    }
    if (switches && arg.startsWith('-')) continue;
    if (arg.length === 0 || arg.length > 4096) continue;
    files.push(isAbsolute(arg) ? arg : resolve(options.cwd, arg));
  }
  return [...new Set(files)];
}

/**
 * What a second launch hands the first through `requestSingleInstanceLock(additionalData)`. It
 * comes from another process, so it is parsed like any input.
 */
export const handoffSchema = z.strictObject({ files: z.array(z.string().min(1).max(4096)).max(10_000) });
export type Handoff = z.infer<typeof handoffSchema>;

/** The files a second instance handed over; none when the data is not ours. */
export function parseHandoff(data: unknown): string[] {
  const parsed = handoffSchema.safeParse(data);
  return parsed.success ? parsed.data.files.filter((f) => isAbsolute(f)) : [];
}
