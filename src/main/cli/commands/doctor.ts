/** `dockside doctor`: checks the way to the backend and S3 (DNS, proxy, TLS, sign-in, clock, disk). */
import type { Command } from 'commander';
import { dataDir } from '../../engine/index.js';
import { hasFailure, runDoctor, saveDoctorReport, type DoctorCheck } from '../../support/doctor.js';
import { resolveBackendLogin } from '../backend-login.js';
import { cliNetworkSettings, networkFromSettings } from '../cli-network.js';
import { endpointOption, intOption } from '../cli-options.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { globalHome } from './shared-options.js';
import { jsonText, visible, visibly } from '../../../shared/terminal-text.js';

interface DoctorFlags {
  json?: boolean;
  endpoint?: string;
  region?: string;
  timeout?: number;
}

export function registerDoctor(program: Command, setExit: (code: ExitCode) => void): void {
  program
    .command('doctor')
    .description('check the network path uploads take: DNS, proxy, TLS certificates, backend sign-in, S3, clock and disk space (exit code 1 when a check fails)')
    .option('--json', 'the report as JSON')
    .option('--endpoint <url>', 'the S3 endpoint to check (default: $DOCKSIDE_ENDPOINT, $AWS_ENDPOINT_URL_S3, else AWS in --region)', endpointOption)
    .option('--region <region>', 'AWS region of the S3 endpoint (default: $AWS_REGION, else us-east-1)')
    .option('--timeout <seconds>', 'time limit of each network check (default 10)', intOption('--timeout', 1, 300))
    .action(async (flags: DoctorFlags) => {
      const home = globalHome(program);
      const env = process.env;
      const dir = home ?? dataDir();
      // Policy and settings (proxy, CAs) as configured for this run, the environment for the rest.
      const network = networkFromSettings({ ...cliNetworkSettings(), env });
      const login = resolveBackendLogin(home, env);
      const backend = login ? { url: login.url, token: login.token } : env.DOCKSIDE_BACKEND_URL ? { url: env.DOCKSIDE_BACKEND_URL, token: null } : null;
      try {
        const report = await runDoctor({ network, backend, s3Endpoint: s3EndpointOf(flags, env), dataDir: dir, timeoutMs: (flags.timeout ?? 10) * 1000 });
        let saved: string | null = null;
        try {
          saved = saveDoctorReport(report, dir);
        } catch (error) {
          process.stderr.write(visibly`dockside: the report could not be saved in ${dir} (${(error as Error).message}).\n`);
        }
        if (flags.json) process.stdout.write(`${jsonText(report, 2)}\n`);
        else process.stdout.write(render(report.checks, saved));
        setExit(hasFailure(report) ? EXIT.FAILED : EXIT.OK);
      } finally {
        await network.close();
      }
    });
}

/** The endpoint uploads use: the same variables as `dockside upload`, else AWS's regional endpoint. */
function s3EndpointOf(flags: DoctorFlags, env: NodeJS.ProcessEnv): string {
  const given = flags.endpoint ?? env.DOCKSIDE_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (given) return endpointOption(given);
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return `https://s3.${region}.amazonaws.com`;
}

const LABEL = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL' } as const;

function render(checks: readonly DoctorCheck[], saved: string | null): string {
  const lines: string[] = [];
  for (const c of checks) {
    // Details quote what servers, DNS and certificates said: shown, never obeyed.
    lines.push(`${LABEL[c.status]}  ${c.name.padEnd(16)} ${visible(c.detail)}`);
    if (c.fix) lines.push(`      ${''.padEnd(16)} → ${visible(c.fix)}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push('', failed ? `${failed} check(s) failed${warned ? `, ${warned} warning(s)` : ''}.` : warned ? `All checks passed, ${warned} warning(s).` : 'All checks passed.');
  if (saved) lines.push(visibly`Report saved to ${saved}.`);
  return `${lines.join('\n')}\n`;
}
