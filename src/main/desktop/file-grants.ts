/**
 * File grants: the capabilities the window holds instead of paths. Main issues one for each file
 * or folder the user chose (the OS file dialog's result, a drop read by the preload) and keeps the
 * path; the page gets an opaque id and can only hand it back to `transfers:add`.
 *
 * - Unguessable: 128 random bits from the OS's CSPRNG (crypto.randomBytes), as 32 hex digits.
 * - Issued by main only, and held in main's memory for this run: a reload, a restart or another
 *   process holds none of them.
 * - Single-use and short-lived: redeeming removes them, and they expire `ttlMs` after issue
 *   (default 5 minutes: the window adds what was chosen at once).
 * - Scoped to this run's window: the services serve one window, whose sender every request is
 *   checked against (src/main/app/ipc-main.ts); the harness serves its one page.
 * - One answer for every bad id: FILE_NOT_CHOSEN, with the same message whether the id was never
 *   issued, was used, or expired. Nothing is said about any path.
 */
import { randomBytes } from 'node:crypto';
import { DocksideError } from '../../shared/errors.js';

/** How long a grant lasts unused. */
export const FILE_GRANT_TTL_MS = 5 * 60_000;
/** Most grants held at once (a 10,000-file drop fits several times); the oldest go first beyond it. */
export const MAX_FILE_GRANTS = 50_000;

export interface FileGrantsOptions {
  readonly ttlMs?: number;
  readonly now?: () => number;
  readonly max?: number;
}

export class FileGrants {
  private readonly held = new Map<string, { readonly path: string; readonly expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly max: number;

  constructor(options: FileGrantsOptions = {}) {
    this.ttlMs = options.ttlMs ?? FILE_GRANT_TTL_MS;
    this.now = options.now ?? Date.now;
    this.max = options.max ?? MAX_FILE_GRANTS;
  }

  /** A new grant for each path (in order); the paths stay here. */
  issue(paths: readonly string[]): string[] {
    this.dropExpired();
    const expiresAt = this.now() + this.ttlMs;
    const ids = paths.map((path) => {
      const id = randomBytes(16).toString('hex');
      this.held.set(id, { path, expiresAt });
      return id;
    });
    // Insertion order is issue order: past the bound, the oldest are forgotten.
    for (const id of this.held.keys()) {
      if (this.held.size <= this.max) break;
      this.held.delete(id);
    }
    return ids;
  }

  /**
   * The paths behind `ids`, each grant used up; all or nothing: when any id is not held (never
   * issued, used, expired) none is used and FILE_NOT_CHOSEN is thrown, the same error for each.
   */
  redeem(ids: readonly string[]): string[] {
    this.dropExpired();
    const paths = ids.map((id) => this.held.get(id)?.path);
    if (paths.some((path) => path === undefined)) throw notChosen();
    for (const id of ids) this.held.delete(id);
    return paths as string[];
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [id, grant] of this.held) if (grant.expiresAt <= now) this.held.delete(id);
  }
}

function notChosen(): DocksideError {
  return new DocksideError('FILE_NOT_CHOSEN', 'Dockside does not hold that choice of files (it was used, or it expired). Drop the files again, or use “Choose files…”.');
}
