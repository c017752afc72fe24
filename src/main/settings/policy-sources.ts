/**
 * Reads the machine-wide policy where each platform keeps it, highest first:
 *   Windows  HKLM\SOFTWARE\Policies\Dockside, then HKCU\SOFTWARE\Policies\Dockside (`reg query`)
 *   macOS    /Library/Managed Preferences/<user>/com.dockside.desktop.plist, then
 *            /Library/Managed Preferences/com.dockside.desktop.plist (`plutil -convert json`)
 *   Linux    /etc/dockside/policy.json
 * then, on every platform, the file named by DOCKSIDE_POLICY_FILE (lowest: it can add to the
 * platform's policy, never hide or loosen it). A missing source is no policy; a source that is
 * there but cannot be read or is not valid fails closed with a POLICY_INVALID error.
 * The platform, the command runner and the file reader are parameters so every source is tested
 * on any machine.
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { DocksideError } from '../../shared/errors.js';
import { describeIssues, policyInvalid } from './policy-errors.js';
import {
  LINUX_POLICY_FILE,
  POLICY_APP_ID,
  POLICY_FILE_ENV,
  POLICY_KEYS,
  policySchema,
  REGISTRY_FORM,
  REGISTRY_NO_PROXY_VALUE,
  WINDOWS_POLICY_KEYS,
  type Policy,
  type PolicyKey,
} from './policy-schema.js';

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell; resolves with its exit code, rejects only when it cannot start. */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

export interface PolicyEnvironment {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The login name, for macOS per-user managed preferences. */
  readonly userName: string;
  readonly run: CommandRunner;
  /** A text file's contents, or null when there is no such file. */
  readonly readFile: (path: string) => Promise<string | null>;
  readonly exists: (path: string) => Promise<boolean>;
}

/** The policy in force: merged values, and where each came from. */
export interface LoadedPolicy {
  readonly values: Policy;
  /** Where each key that is set came from: a registry key or a file path. */
  readonly origin: Readonly<Partial<Record<PolicyKey, string>>>;
  /** Every place looked at, highest first (whether or not a policy was there). */
  readonly checked: readonly string[];
  /** The places a policy was found, highest first. */
  readonly found: readonly string[];
}

/** No machine-wide policy (every key free). */
export const NO_POLICY: LoadedPolicy = Object.freeze({ values: {}, origin: {}, checked: [], found: [] });

/** Reads and merges every policy source of this machine; throws POLICY_INVALID (fail closed). */
export async function loadPolicy(environment: Partial<PolicyEnvironment> = {}): Promise<LoadedPolicy> {
  const deps: PolicyEnvironment = { ...nodePolicyEnvironment(), ...environment };
  const layers: { place: string; values: Policy }[] = [];
  const checked: string[] = [];
  const add = (place: string, values: Policy | null) => {
    checked.push(place);
    if (values) layers.push({ place, values });
  };
  try {
    switch (deps.platform) {
      case 'win32':
        for (const key of WINDOWS_POLICY_KEYS) add(key, await readRegistryPolicy(key, deps));
        break;
      case 'darwin':
        for (const path of macPolicyFiles(deps.userName)) add(path, await readPlistPolicy(path, deps));
        break;
      default:
        add(LINUX_POLICY_FILE, await readJsonPolicy(LINUX_POLICY_FILE, deps));
    }
    const extra = deps.env[POLICY_FILE_ENV];
    if (extra && !checked.includes(extra)) add(extra, await readJsonPolicy(extra, deps));
  } catch (error) {
    if (error instanceof DocksideError && error.code === 'POLICY_INVALID') throw error;
    throw policyInvalid(checked.at(-1) ?? 'this machine', `it could not be read (${(error as Error)?.message ?? String(error)})`, error);
  }
  return mergeLayers(layers, checked);
}

/** Highest layer wins key by key. */
export function mergeLayers(layers: readonly { place: string; values: Policy }[], checked: readonly string[] = layers.map((l) => l.place)): LoadedPolicy {
  const values: Record<string, unknown> = {};
  const origin: Partial<Record<PolicyKey, string>> = {};
  for (const layer of layers) {
    for (const key of POLICY_KEYS) {
      if (layer.values[key] === undefined || key in values) continue;
      values[key] = layer.values[key];
      origin[key] = layer.place;
    }
  }
  return { values: values as Policy, origin, checked: [...checked], found: layers.map((l) => l.place) };
}

/** The macOS managed-preference files, highest first (the user's own, then the computer's). */
export function macPolicyFiles(userName: string): string[] {
  const root = '/Library/Managed Preferences';
  const machine = `${root}/${POLICY_APP_ID}.plist`;
  return userName && !/[\\/]/.test(userName) ? [`${root}/${userName}/${POLICY_APP_ID}.plist`, machine] : [machine];
}

/** Checks a parsed policy object; `place` names it in the error. */
export function validatePolicy(raw: unknown, place: string): Policy {
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) throw policyInvalid(place, describeIssues(parsed.error, raw));
  return parsed.data;
}

// --- JSON file (Linux, DOCKSIDE_POLICY_FILE) ---------------------------------------------------

async function readJsonPolicy(path: string, deps: PolicyEnvironment): Promise<Policy | null> {
  let text: string | null;
  try {
    text = await deps.readFile(path);
  } catch (error) {
    throw policyInvalid(path, `the file cannot be read (${(error as Error).message})`, error);
  }
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw policyInvalid(path, `the file is not valid JSON (${(error as Error).message})`, error);
  }
  return validatePolicy(raw, path);
}

// --- macOS managed preferences -----------------------------------------------------------------

/** Keys a configuration profile's payload may carry along with the settings. */
const PAYLOAD_KEY = /^Payload[A-Za-z]*$/;

async function readPlistPolicy(path: string, deps: PolicyEnvironment): Promise<Policy | null> {
  if (!(await deps.exists(path))) return null;
  let result: CommandResult;
  try {
    // Managed preferences are often binary plists; plutil (on every Mac) converts either form.
    result = await deps.run('/usr/bin/plutil', ['-convert', 'json', '-o', '-', path]);
  } catch (error) {
    throw policyInvalid(path, `plutil could not be run to read it (${(error as Error).message})`, error);
  }
  if (result.exitCode !== 0) {
    throw policyInvalid(path, `it is not a property list plutil can convert (${oneLine(result.stderr || result.stdout)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout);
  } catch (error) {
    throw policyInvalid(path, `plutil's output is not JSON (${(error as Error).message})`, error);
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    raw = Object.fromEntries(Object.entries(raw).filter(([key]) => !PAYLOAD_KEY.test(key)));
  }
  return validatePolicy(raw, path);
}

// --- Windows registry -------------------------------------------------------------------------

export interface RegistryValue {
  readonly name: string;
  readonly type: string;
  readonly data: string;
}

export interface RegistryListing {
  readonly values: readonly RegistryValue[];
  /** Full names of the subkeys listed. */
  readonly subkeys: readonly string[];
}

/**
 * Parses what `reg query KEY` prints: the key's full name, then one line per value
 * (`    name    REG_TYPE    data`, REG_DWORD as 0x… hex, REG_MULTI_SZ joined by a literal \0),
 * then the full names of its subkeys.
 */
export function parseRegQuery(stdout: string, place: string): RegistryListing {
  const values: RegistryValue[] = [];
  const subkeys: string[] = [];
  let header: string | null = null;
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (/^HKEY_/i.test(line)) {
      if (header === null) header = line.trim();
      else subkeys.push(line.trim());
      continue;
    }
    const match = /^ {4}(.*?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (!match) throw policyInvalid(place, `reg.exe printed a line Dockside cannot read: ${JSON.stringify(line.slice(0, 120))}`);
    values.push({ name: match[1]!, type: match[2]!, data: match[3] ?? '' });
  }
  return { values, subkeys };
}

/** Turns registry values into a policy object (then checked by the schema like any other source). */
export function registryToPolicy(listing: RegistryListing, place: string, env: Readonly<Record<string, string | undefined>> = {}): Policy {
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  let noProxy: string[] | undefined;
  for (const value of listing.values) {
    if (value.name === '(Default)' && (value.data === '' || value.data === '(value not set)')) continue;
    if (value.name === REGISTRY_NO_PROXY_VALUE) {
      noProxy = registryData(value, 'multiText', place, env) as string[];
      continue;
    }
    if (!(POLICY_KEYS as string[]).includes(value.name)) {
      unknown.push(value.name);
      continue;
    }
    const key = value.name as PolicyKey;
    const data = registryData(value, REGISTRY_FORM[key], place, env);
    raw[key] = REGISTRY_FORM[key] === 'proxy' && data !== 'system' ? { url: data } : data;
  }
  if (unknown.length > 0 || listing.subkeys.length > 0) {
    const names = [...unknown.map((n) => `"${n}"`), ...listing.subkeys.map((k) => `subkey "${k.split('\\').pop()}"`)];
    throw policyInvalid(place, `${names.length === 1 ? 'unknown value' : 'unknown values'} ${names.join(', ')} (a misspelt name, or a setting this version of Dockside does not have)`);
  }
  if (noProxy !== undefined) {
    const proxy = raw.proxy;
    if (proxy === undefined || proxy === 'system') {
      throw policyInvalid(place, `"${REGISTRY_NO_PROXY_VALUE}" is set but "proxy" is not a proxy URL; the hosts reached directly apply only with a proxy URL`);
    }
    (proxy as { noProxy?: string[] }).noProxy = noProxy;
  }
  return validatePolicy(raw, place);
}

const REGISTRY_TYPES = {
  text: ['REG_SZ', 'REG_EXPAND_SZ'],
  enum: ['REG_SZ'],
  proxy: ['REG_SZ'],
  decimal: ['REG_DWORD', 'REG_QWORD'],
  boolean: ['REG_DWORD'],
  multiText: ['REG_MULTI_SZ'],
} as const;

function registryData(value: RegistryValue, form: keyof typeof REGISTRY_TYPES, place: string, env: Readonly<Record<string, string | undefined>>): unknown {
  const allowed: readonly string[] = REGISTRY_TYPES[form];
  if (!allowed.includes(value.type)) {
    throw policyInvalid(place, `"${value.name}" is a ${value.type} value; it must be ${allowed.join(' or ')} (as the Dockside Group Policy template writes it)`);
  }
  switch (value.type) {
    case 'REG_SZ':
      return value.data;
    case 'REG_EXPAND_SZ':
      return value.data.replace(/%([^%]+)%/g, (whole, name: string) => env[name] ?? env[Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ''] ?? whole);
    case 'REG_MULTI_SZ':
      return value.data === '' ? [] : value.data.split('\\0').filter((entry) => entry !== '');
    default: {
      // REG_DWORD / REG_QWORD: reg.exe prints hex (0x1f).
      if (!/^0x[0-9a-f]+$/i.test(value.data)) throw policyInvalid(place, `"${value.name}" has a ${value.type} reg.exe printed as ${JSON.stringify(value.data)}, not a number`);
      const n = Number(BigInt(value.data));
      if (form !== 'boolean') return n;
      if (n === 0 || n === 1) return n === 1;
      throw policyInvalid(place, `"${value.name}" must be 1 (enabled) or 0 (disabled); it is ${n}`);
    }
  }
}

async function readRegistryPolicy(key: string, deps: PolicyEnvironment): Promise<Policy | null> {
  const reg = `${deps.env.SystemRoot ?? deps.env.SYSTEMROOT ?? 'C:\\Windows'}\\System32\\reg.exe`;
  // /reg:64: Group Policy writes the 64-bit view; be explicit whatever the process's bitness.
  const result = await deps.run(reg, ['query', key, '/reg:64']);
  if (result.exitCode === 0) return registryToPolicy(parseRegQuery(result.stdout, key), key, deps.env);
  // reg.exe's "unable to find" message is translated; ask the parent whether the key exists at all.
  const parent = key.slice(0, key.lastIndexOf('\\'));
  const parentResult = await deps.run(reg, ['query', parent, '/reg:64']);
  if (parentResult.exitCode !== 0) {
    // No Policies key at all (possible under HKCU on a fresh profile): no policy.
    if (/unable to find/i.test(parentResult.stderr)) return null;
    throw policyInvalid(key, `reg.exe could not read ${parent} (${oneLine(parentResult.stderr || parentResult.stdout)})`);
  }
  const name = key.split('\\').pop()!.toLowerCase();
  const exists = parseRegQuery(parentResult.stdout, parent).subkeys.some((sub) => sub.split('\\').pop()!.toLowerCase() === name);
  if (!exists) return null;
  throw policyInvalid(key, `the key exists but reg.exe could not read it (${oneLine(result.stderr || result.stdout)})`);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no message';
}

// --- Node implementations -----------------------------------------------------------------------

/** execFile without a shell, a timeout and a bounded output. */
export const execFileRunner: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { encoding: 'utf8', timeout: 15_000, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (error && typeof (error as { code?: unknown }).code !== 'number') {
        reject(error);
        return;
      }
      resolve({ exitCode: error ? Number((error as { code?: unknown }).code) : 0, stdout, stderr });
    });
  });

/** The real machine: this platform, process.env, execFile and node:fs. */
export function nodePolicyEnvironment(): PolicyEnvironment {
  return {
    platform: process.platform,
    env: process.env,
    userName: safeUserName(),
    run: execFileRunner,
    readFile: async (path) => {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return null;
        throw error;
      }
    },
    exists: async (path) => {
      try {
        await access(path);
        return true;
      } catch (error) {
        // Anything but "not there" (a permission problem, say) is left for the reader to report.
        return (error as { code?: string }).code !== 'ENOENT';
      }
    },
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}
