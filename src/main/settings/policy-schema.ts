/**
 * The machine-wide policy: the settings IT sets for every user of a machine. One zod schema is
 * the source of truth; the JSON Schema, the Group Policy templates (ADMX/ADML), the macOS
 * configuration profile and the Linux example are generated from it (policy-templates.ts).
 * A policy may leave any key out; a key it does not know is an error (fail closed).
 */
import { z } from 'zod';

/** The macOS preference domain (and bundle id) IT targets with a configuration profile. */
export const POLICY_APP_ID = 'com.dockside.desktop';
/** Where Windows policies live, highest first (Group Policy writes the machine one to HKLM). */
export const WINDOWS_POLICY_KEYS = ['HKLM\\SOFTWARE\\Policies\\Dockside', 'HKCU\\SOFTWARE\\Policies\\Dockside'] as const;
/** The key below HKLM/HKCU, as the ADMX template names it. */
export const WINDOWS_POLICY_SUBKEY = 'SOFTWARE\\Policies\\Dockside';
/** The Linux policy file. */
export const LINUX_POLICY_FILE = '/etc/dockside/policy.json';
/** An extra policy file (tests, unusual installs); it adds to the platform's policy, never hides it. */
export const POLICY_FILE_ENV = 'DOCKSIDE_POLICY_FILE';

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

/** https://, or http:// on a loopback address only (a local test backend); never a user name or password in it. */
export function isBackendUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname);
}

/** The companion backend's URL, as both the policy and the user's settings take it. */
export const backendUrlSchema = z
  .string()
  .max(2048)
  // The pattern is for the JSON Schema (editors, MDM consoles); the refinement is the real check.
  .regex(/^(https:\/\/|http:\/\/(localhost|127\.[0-9.]+|\[::1\])(:[0-9]+)?(\/|$))/i, {
    error: 'must be an https:// URL (http:// only on a loopback address such as http://127.0.0.1:8080)',
  })
  .refine(isBackendUrl, { error: 'must be an https:// URL (http:// only on a loopback address) without a user name or password in it' });

/** A whole number from min to max (max omitted: no upper bound). */
export function wholeNumber(min: number, max?: number) {
  const words = max === undefined ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
  const base = z.number({ error: `must be ${words}` }).int({ error: `must be ${words}` }).min(min, { error: `must be ${words}` });
  return max === undefined ? base : base.max(max, { error: `must be ${words}` });
}

const proxyUrl = z
  .string({ error: 'must be a proxy URL such as http://proxy.example.com:8080' })
  .max(2048)
  .regex(/^https?:\/\/[^\s/]+/i, { error: 'must be a proxy URL such as http://proxy.example.com:8080' })
  .refine((value) => URL.canParse(value), { error: 'must be a proxy URL such as http://proxy.example.com:8080' });

/** 'system': the operating system's proxy settings; else one proxy for every request but those in noProxy. */
export const proxySchema = z.union(
  [
    z.literal('system'),
    z.strictObject({
      url: proxyUrl,
      noProxy: z.array(z.string().min(1).max(255), { error: 'must be a list of host names' }).max(256).optional(),
    }),
  ],
  { error: 'must be "system" or an object { "url": "http://proxy.example.com:8080", "noProxy": ["localhost"] }' },
);
export type ProxySetting = z.infer<typeof proxySchema>;

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';

/** A PEM certificate inline, or the absolute path of a PEM file (Windows drive, UNC or POSIX). */
export const caCertificatesSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(65_536)
      .refine((value) => value.trimStart().startsWith(PEM_BEGIN) || /^([a-z]:[\\/]|\\\\|\/)/i.test(value), {
        error: `each entry must be the absolute path of a PEM file, or a certificate starting with ${PEM_BEGIN}`,
      }),
    { error: 'must be a list of PEM file paths or PEM certificates' },
  )
  .max(64);

export const UPDATE_MODES = ['auto', 'notify', 'off'] as const;
export type UpdateMode = (typeof UPDATE_MODES)[number];
const updatesSchema = z.enum(UPDATE_MODES, { error: 'must be one of "auto", "notify" or "off"' });

/** The upper bound of maxBandwidth: a REG_DWORD holds at most this (4 GiB/s is far above any uplink). */
export const MAX_BANDWIDTH = 4_294_967_295;

/**
 * Every policy key, with a title and description (shown in the Group Policy editor, the JSON
 * Schema and `dockside config show`) and an example (used in the generated examples).
 */
export const policySchema = z
  .strictObject({
    backendUrl: backendUrlSchema.optional().meta({
      title: 'Dockside backend URL',
      description:
        "The firm's Dockside backend. Uploads go through it and users cannot choose another. Must be https:// (http:// only on a loopback address).",
      examples: ['https://dockside.example.com'],
    }),
    maxConcurrency: wholeNumber(1, 32).optional().meta({
      title: 'Maximum parts in flight per transfer',
      description: 'The most parts of one file uploaded at once (1 to 32). Users may choose fewer, never more.',
      examples: [8],
    }),
    maxBandwidth: wholeNumber(1, MAX_BANDWIDTH).optional().meta({
      title: 'Maximum upload bandwidth (bytes per second)',
      description: 'A ceiling on the total upload rate, in bytes per second (52428800 is 50 MiB/s). Users may set a lower limit, never a higher one.',
      examples: [52_428_800],
    }),
    maxActiveTransfers: wholeNumber(1, 8).optional().meta({
      title: 'Maximum files uploading at once',
      description: 'The most files uploading at the same time (1 to 8). Users may choose fewer, never more.',
      examples: [2],
    }),
    proxy: proxySchema.optional().meta({
      title: 'Proxy',
      description:
        '"system" to use the operating system\'s proxy settings, or a proxy URL (with an optional list of hosts reached directly, noProxy). In the registry: the value proxy holds "system" or the URL, and proxyNoProxy (REG_MULTI_SZ) the hosts.',
      examples: [{ url: 'http://proxy.example.com:8080', noProxy: ['localhost', '.example.com'] }],
    }),
    caCertificates: caCertificatesSchema.optional().meta({
      title: 'Extra trusted CA certificates',
      description:
        'Certificates to trust in addition to the built-in ones (for a TLS-inspecting proxy or a private CA): absolute paths of PEM files, or PEM text.',
      examples: [['/etc/ssl/certs/example-root-ca.pem']],
    }),
    allowStandaloneUploads: z.boolean({ error: 'must be true or false' }).optional().meta({
      title: 'Allow uploads straight to S3',
      description:
        "Whether users may upload straight to an S3 bucket with their own AWS credentials, bypassing the firm's backend. false: every upload goes through the backend.",
      examples: [false],
    }),
    logRetentionDays: wholeNumber(1, 3650).optional().meta({
      title: 'Transfer log retention (days)',
      description: 'How many days the transfer log is kept on the machine (1 to 3650).',
      examples: [90],
    }),
    updates: updatesSchema.optional().meta({
      title: 'Updates',
      description: 'How Dockside may update itself. This version has no update feed and never updates itself whatever the value (IT deploys new installers); the key is read and validated now so policies written today keep their meaning once a feed exists: off (never look), notify (tell the user), auto (install).',
      examples: ['notify'],
    }),
    verifyFile: z.boolean({ error: 'must be true or false' }).optional().meta({
      title: 'Read every file again after uploading it',
      description:
        'Whether each file is read again in full once its parts are sent, and the upload completed only if it still matches what was sent (its CRC32). true: every upload is checked this way; false: users cannot turn it on (the setting and --verify-file are refused). It costs a second full read of every file (about as long as reading it from disk once; the CRC32 itself is about 0.07 CPU seconds per GiB).',
      examples: [true],
    }),
  }, { error: 'must be an object of settings, such as { "maxConcurrency": 8 }' })
  .meta({
    title: 'Dockside machine-wide policy',
    description: 'Settings IT sets for every user of a machine. Every key is optional; an unknown key makes the whole policy invalid and uploads stop until it is fixed.',
  });

export type Policy = z.infer<typeof policySchema>;
export type PolicyKey = keyof Policy;
export const POLICY_KEYS = Object.keys(policySchema.shape) as PolicyKey[];

/** Title, description and example of a policy key (from the schema's metadata). */
export function policyKeyInfo(key: PolicyKey): { title: string; description: string; example: unknown } {
  const meta = policySchema.shape[key].meta() as { title: string; description: string; examples: unknown[] };
  return { title: meta.title, description: meta.description, example: meta.examples[0] };
}

/**
 * How each key is stored in the Windows registry (one value per key, named as the key, except
 * the proxy: `proxy` holds "system" or the URL, `proxyNoProxy` the hosts reached directly).
 */
export const REGISTRY_FORM = {
  backendUrl: 'text',
  maxConcurrency: 'decimal',
  maxBandwidth: 'decimal',
  maxActiveTransfers: 'decimal',
  proxy: 'proxy',
  caCertificates: 'multiText',
  allowStandaloneUploads: 'boolean',
  logRetentionDays: 'decimal',
  updates: 'enum',
  verifyFile: 'boolean',
} as const satisfies Record<PolicyKey, 'text' | 'decimal' | 'boolean' | 'enum' | 'multiText' | 'proxy'>;

/** The registry value holding the proxy's noProxy list. */
export const REGISTRY_NO_PROXY_VALUE = 'proxyNoProxy';
