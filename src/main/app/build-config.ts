/**
 * What the build baked in (dist/main/build-config.json, written by scripts/write-build-config.ts
 * from DOCKSIDE_BUILD_BACKEND_URL): the firm's backend, used when neither IT's policy nor the user
 * names one. Missing or unreadable means nothing was baked in.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const buildConfigSchema = z.object({ backendUrl: z.string().url().refine((u) => /^https?:\/\//.test(u)).nullable() });

export function readBuildConfig(file: string): { backendUrl: string | null } {
  try {
    const parsed = buildConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? { backendUrl: parsed.data.backendUrl } : { backendUrl: null };
  } catch {
    return { backendUrl: null };
  }
}
