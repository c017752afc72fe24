/** `dockside status [ID...]`: what the backend says of uploads (uploading, docked, …, available). */
import type { Command } from 'commander';
import type { UploadView } from '../../../shared/backend-api.js';
import { uploadIdSchema } from '../../../shared/backend-api.js';
import { DocksideError } from '../../../shared/errors.js';
import { formatBytes } from '../../../shared/units.js';
import { describeCopyVerification } from '../../../shared/verification.js';
import { BackendClient } from '../../engine/index.js';
import { resolveBackendLogin, tokenFor } from '../backend-login.js';
import { backendFetch } from '../cli-network.js';
import { UsageError } from '../cli-options.js';
import { openJournal } from '../compose.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { table } from './ls.js';
import { globalHome } from './shared-options.js';
import { jsonText } from '../../../shared/terminal-text.js';

export function registerStatus(program: Command, setExit: (code: ExitCode) => void): void {
  program
    .command('status')
    .description("the backend's status of uploads: uploading, docked, promoting, available (with where the file went), failed, aborted")
    .argument('[ids...]', 'transfer ids (from `dockside ls`) or backend upload ids; none lists your recent uploads')
    .option('--json', 'JSON output')
    .action(async (ids: string[], flags: { json?: boolean }) => {
      const home = globalHome(program);
      const views: UploadView[] = [];
      if (ids.length === 0) {
        const login = resolveBackendLogin(home);
        if (!login) throw new UsageError('Not signed in to a Dockside backend. Run `dockside login --backend URL` first.');
        views.push(...(await new BackendClient({ ...login, ...backendFetch() }).listUploads({ limit: 50 })).uploads);
      } else {
        for (const id of ids) views.push(await viewOf(id, home));
      }
      if (flags.json) process.stdout.write(`${jsonText(ids.length === 1 ? views[0] : views, 2)}\n`);
      else process.stdout.write(views.length === 0 ? 'No uploads yet.\n' : render(views));
      setExit(EXIT.OK);
    });
}

/** Resolves a transfer id through the journal, or takes a backend upload id as it is. */
async function viewOf(id: string, home: string | undefined): Promise<UploadView> {
  const journal = openJournal(home);
  let link: { url: string; uploadId: string } | null = null;
  try {
    const transfer = journal.getTransfer(id);
    if (transfer) {
      if (!transfer.target.backend) {
        throw new UsageError(`Transfer ${id} went straight to s3://${transfer.target.bucket}/${transfer.target.key}, not through a backend; \`dockside ls\` shows its state.`);
      }
      link = transfer.target.backend;
    }
  } finally {
    journal.close();
  }
  if (!link) {
    if (!uploadIdSchema.safeParse(id).success) throw new UsageError(`${id}: no such transfer in the journal, and not a backend upload id.`);
    const login = resolveBackendLogin(home);
    if (!login) throw new UsageError('Not signed in to a Dockside backend. Run `dockside login --backend URL` first.');
    link = { url: login.url, uploadId: id };
  }
  const token = tokenFor(link.url, home);
  if (!token) throw new DocksideError('BACKEND_AUTH', `Not signed in to ${link.url}. Run \`dockside login --backend ${link.url}\`.`);
  return new BackendClient({ url: link.url, token, ...backendFetch() }).getUpload(link.uploadId);
}

function render(views: UploadView[]): string {
  const rows = views.map((v) => [
    v.id,
    v.status,
    formatBytes(v.size),
    v.updatedAt.replace('T', ' ').slice(0, 19),
    v.available
      ? `s3://${v.available.bucket}/${v.available.key} (CRC32 ${v.available.checksum})`
      : v.failureReason ?? `s3://${v.dock.bucket}/${v.dock.key}`,
  ]);
  // What the backend checked of each permanent copy, in words, under the table (too long for a column).
  const checked = views.filter((v) => v.available !== null).map((v) => `${v.id}: ${describeCopyVerification(v.available!.verifiedBy)}.\n`);
  return table(['UPLOAD', 'STATUS', 'SIZE', 'UPDATED (UTC)', 'WHERE / WHY'], rows) + (checked.length > 0 ? `\nChecked by the backend before it called them available:\n${checked.join('')}` : '');
}
