// Recorded shapes of what reg.exe and plutil print, for the policy readers' tests.
// reg.exe writes CRLF lines: a blank line, the key, one line per value (four-space indents and
// separators), a blank line, then the full names of any subkeys.
import type { CommandResult, PolicyEnvironment } from '../../../src/main/settings/index.js';

const crlf = (lines: string[]) => lines.join('\r\n');

/** `reg query HKLM\SOFTWARE\Policies\Dockside /reg:64` after Group Policy applied the ADMX settings. */
export const REG_HKLM = crlf([
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Dockside',
  '    backendUrl    REG_SZ    https://dockside.example.com',
  '    maxConcurrency    REG_DWORD    0x8',
  '    maxBandwidth    REG_DWORD    0x3200000',
  '    allowStandaloneUploads    REG_DWORD    0x0',
  '    caCertificates    REG_MULTI_SZ    C:\\ProgramData\\Example\\root-ca.pem\\0\\\\fs01\\pki\\issuing-ca.pem',
  '    proxy    REG_SZ    http://proxy.example.com:8080',
  '    proxyNoProxy    REG_MULTI_SZ    localhost\\0.example.com',
  '',
  '',
]);

/** The user's own policy key (HKCU): a lower ceiling HKLM overrides, and keys HKLM leaves free. */
export const REG_HKCU = crlf([
  '',
  'HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Dockside',
  '    maxConcurrency    REG_DWORD    0x2',
  '    logRetentionDays    REG_DWORD    0x5a',
  '    updates    REG_SZ    notify',
  '    verifyFile    REG_DWORD    0x1',
  '',
  '',
]);

/** `reg query HKLM\SOFTWARE\Policies /reg:64`: subkeys only (no Dockside among them). */
export const REG_POLICIES_WITHOUT_DOCKSIDE = crlf([
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies',
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft',
  '',
]);

export const REG_POLICIES_WITH_DOCKSIDE = crlf([
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies',
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Dockside',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft',
  '',
]);

/** What reg.exe prints (stderr, exit 1) for a key that is not there. */
export const REG_NOT_FOUND: CommandResult = {
  exitCode: 1,
  stdout: '',
  stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n',
};

/** `plutil -convert json -o - /Library/Managed Preferences/com.dockside.desktop.plist` (a binary plist an MDM wrote). */
export const PLUTIL_MACHINE_JSON =
  '{"PayloadUUID":"0E9C6B2A-7F41-4C3D-8A5E-6D2B9F1C0A37","allowStandaloneUploads":false,"backendUrl":"https:\\/\\/dockside.example.com","caCertificates":["\\/Library\\/Application Support\\/Dockside\\/root-ca.pem"],"maxActiveTransfers":2,"maxConcurrency":8,"proxy":{"noProxy":["localhost",".example.com"],"url":"http:\\/\\/proxy.example.com:8080"},"updates":"off","verifyFile":false}\n';

/** The per-user managed preferences of user alice. */
export const PLUTIL_USER_JSON = '{"maxConcurrency":4,"logRetentionDays":14}\n';

/** plutil on a file that is not a property list (exit 1). */
export const PLUTIL_BAD: CommandResult = {
  exitCode: 1,
  stdout: '',
  stderr: '/Library/Managed Preferences/com.dockside.desktop.plist: Property List error: Unexpected character { at line 1 / JSON error: JSON text did not start with array or object and option to allow fragments not set. around line 1, column 0.\n',
};

export interface FakeMachine {
  environment: Partial<PolicyEnvironment>;
  calls: string[][];
}

/**
 * A machine with the given files and canned command results (keyed by the joined arguments);
 * a command with no canned result fails the test.
 */
export function fakeMachine(options: {
  platform: NodeJS.Platform;
  files?: Record<string, string | Error>;
  commands?: Record<string, CommandResult | string | Error>;
  env?: Record<string, string>;
  userName?: string;
}): FakeMachine {
  const calls: string[][] = [];
  const files = options.files ?? {};
  const commands = options.commands ?? {};
  return {
    calls,
    environment: {
      platform: options.platform,
      env: options.env ?? {},
      userName: options.userName ?? 'alice',
      readFile: async (path) => {
        const found = files[path];
        if (found instanceof Error) throw found;
        return found ?? null;
      },
      exists: async (path) => path in files,
      run: async (file, args) => {
        calls.push([file, ...args]);
        const canned = commands[args.join(' ')];
        if (canned === undefined) throw new Error(`unexpected command: ${file} ${args.join(' ')}`);
        if (canned instanceof Error) throw canned;
        return typeof canned === 'string' ? { exitCode: 0, stdout: canned, stderr: '' } : canned;
      },
    },
  };
}
