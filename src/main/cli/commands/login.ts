/** `dockside login` / `dockside logout`: sign in to the companion backend (or forget it). */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { BackendClient } from '../../engine/index.js';
import { removeLogin, saveLogin } from '../backend-login.js';
import { assertSignInAllowed, settingsOrStop } from '../cli-settings.js';
import { backendFetch } from '../cli-network.js';
import { backendUrlOption, UsageError } from '../cli-options.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { globalHome } from './shared-options.js';
import { visibly } from '../../../shared/terminal-text.js';

export function registerLogin(program: Command, setExit: (code: ExitCode) => void): void {
  program
    .command('login')
    .description('sign in to the Dockside backend; uploads then go through it (token from --token, $DOCKSIDE_TOKEN or one line on stdin)')
    .requiredOption('--backend <url>', 'the backend URL, such as https://dockside.example.com', backendUrlOption)
    .option('--token <token>', 'the sign-in token (prefer stdin or $DOCKSIDE_TOKEN: a command line is visible to other users)')
    .action(async (flags: { backend: string; token?: string }) => {
      // A backend IT set by policy is the only one to sign in to (nothing is asked or saved otherwise).
      const settings = await settingsOrStop(globalHome(program), setExit);
      if (!settings) return;
      assertSignInAllowed(settings.policy, flags.backend);
      const token = flags.token ?? process.env.DOCKSIDE_TOKEN ?? (await readTokenLine());
      if (!token) throw new UsageError('Give the token with --token, $DOCKSIDE_TOKEN or on stdin.');
      // Check the token before keeping it, so a typo is found now, not in the middle of an upload.
      const client = new BackendClient({ url: flags.backend, token, timeoutMs: 15_000, ...backendFetch() });
      await client.listUploads({ limit: 1 });
      const file = saveLogin({ url: flags.backend, token }, globalHome(program));
      process.stdout.write(visibly`Signed in to ${client.url}. Saved to ${file} (readable by you only).\n`);
      setExit(EXIT.OK);
    });
  program
    .command('logout')
    .description('forget the saved backend sign-in')
    .action(() => {
      const removed = removeLogin(globalHome(program));
      process.stdout.write(removed ? 'Signed out.\n' : 'Not signed in.\n');
      setExit(EXIT.OK);
    });
}

async function readTokenLine(): Promise<string | null> {
  if (process.stdin.isTTY) process.stderr.write('Token: ');
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line.trim() || null;
  }
  return null;
}
