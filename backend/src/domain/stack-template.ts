/**
 * Reading the CloudFormation template (backend/infra/dockside.template.json) outside
 * CloudFormation: resolving its intrinsic functions against a deployed stack, and turning the
 * bucket properties that moto's CloudFormation silently skips into the shapes of the S3 API calls
 * that set them. The stack deployer applies those after CreateStack, so the local stack is made
 * from the same definitions as a real one, not from a second copy of them.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly DependsOn?: string | string[];
  readonly [key: string]: Json | undefined;
}

export interface StackTemplate {
  readonly Parameters?: Record<string, { Type: string; Default?: Json; [key: string]: Json | undefined }>;
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: Json; Description?: string }>;
}

/** What a deployed stack tells us, enough to resolve the template's intrinsics. */
export interface ResolveContext {
  /** Parameter values and pseudo parameters (`AWS::Region`, ...). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Logical id → physical id (the value of `Ref`). */
  readonly refs: Readonly<Record<string, string>>;
  /** `Logical.Attribute` → value (the value of `Fn::GetAtt`). */
  readonly attributes: Readonly<Record<string, string>>;
}

export class TemplateResolveError extends Error {
  override readonly name = 'TemplateResolveError';
  readonly code = 'TEMPLATE_UNRESOLVED' as const;
  readonly retryable = false;
}

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Learns `Ref` and `Fn::GetAtt` values from the stack's Outputs: each output whose template value
 * is a bare Ref or GetAtt tells us that value. The template exports every ARN the backend needs,
 * so this covers what the bucket settings refer to without further API calls.
 */
export function contextFromOutputs(
  template: StackTemplate,
  outputs: Readonly<Record<string, string>>,
  parameters: Readonly<Record<string, string>>,
  refs: Readonly<Record<string, string>> = {},
): ResolveContext {
  const learnedRefs: Record<string, string> = { ...refs };
  const attributes: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const value = outputs[name];
    if (value === undefined || !isObject(output.Value)) continue;
    const ref = output.Value['Ref'];
    const getAtt = output.Value['Fn::GetAtt'];
    if (typeof ref === 'string') learnedRefs[ref] = value;
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
      attributes[`${getAtt[0]}.${getAtt[1]}`] = value;
    }
  }
  return { parameters, refs: learnedRefs, attributes };
}

/** Resolves Ref, Fn::GetAtt, Fn::Sub and Fn::Join throughout `value`. */
export function resolveIntrinsics(value: Json, ctx: ResolveContext): Json {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, ctx));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [fn] = keys as [string];
    const arg = value[fn]!;
    switch (fn) {
      case 'Ref':
        return resolveRef(String(arg), ctx);
      case 'Fn::GetAtt': {
        const [logical, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return resolveGetAtt(`${logical}.${attribute}`, ctx);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? [String(arg[0]), isObject(arg[1]) ? arg[1] : {}] : [String(arg), {}];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in vars) return String(resolveIntrinsics(vars[name]!, ctx));
          return name.includes('.') && !name.startsWith('AWS::') ? resolveGetAtt(name, ctx) : resolveRef(name, ctx);
        });
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || !Array.isArray(arg[1])) throw new TemplateResolveError('Fn::Join needs [delimiter, [values]]');
        return arg[1].map((v) => String(resolveIntrinsics(v, ctx))).join(String(arg[0]));
      }
      default:
        if (fn.startsWith('Fn::')) throw new TemplateResolveError(`${fn} is not supported outside CloudFormation`);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(value[k]!, ctx)]));
}

function resolveRef(name: string, ctx: ResolveContext): string {
  const v = ctx.parameters[name] ?? ctx.refs[name];
  if (v === undefined) throw new TemplateResolveError(`Ref ${name} cannot be resolved from the stack`);
  return v;
}

function resolveGetAtt(name: string, ctx: ResolveContext): string {
  const v = ctx.attributes[name];
  if (v === undefined) throw new TemplateResolveError(`Fn::GetAtt ${name} cannot be resolved from the stack's outputs`);
  return v;
}

/** The S3 API shapes of the bucket properties that moto's CloudFormation does not apply. */
export interface BucketSettings {
  readonly logicalId: string;
  readonly bucket: string;
  readonly publicAccessBlock?: {
    BlockPublicAcls: boolean;
    BlockPublicPolicy: boolean;
    IgnorePublicAcls: boolean;
    RestrictPublicBuckets: boolean;
  };
  readonly ownership?: { Rules: { ObjectOwnership: 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter' }[] };
  readonly versioning?: { Status: 'Enabled' | 'Suspended' };
  readonly lifecycleRules?: {
    ID?: string;
    Status: 'Enabled' | 'Disabled';
    Filter: { Prefix: string };
    Expiration?: { Days: number };
    AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
  }[];
  readonly queueNotifications?: {
    Id?: string;
    QueueArn: string;
    Events: string[];
    Filter?: { Key: { FilterRules: { Name: 'prefix' | 'suffix'; Value: string }[] } };
  }[];
}

const asObject = (v: Json | undefined, what: string): { [key: string]: Json } => {
  if (!isObject(v)) throw new TemplateResolveError(`${what} is not an object`);
  return v;
};
const asArray = (v: Json | undefined, what: string): Json[] => {
  if (!Array.isArray(v)) throw new TemplateResolveError(`${what} is not a list`);
  return v;
};

/**
 * Every AWS::S3::Bucket's public access block, ownership, versioning, lifecycle rules and queue
 * notifications, resolved and translated from CloudFormation's property names to the S3 API's.
 */
export function bucketSettingsOf(template: StackTemplate, ctx: ResolveContext): BucketSettings[] {
  const out: BucketSettings[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::S3::Bucket') continue;
    const props = asObject(resolveIntrinsics((resource.Properties ?? {}) as Json, ctx), `${logicalId}.Properties`);
    const bucket = ctx.refs[logicalId] ?? (typeof props['BucketName'] === 'string' ? props['BucketName'] : undefined);
    if (bucket === undefined) throw new TemplateResolveError(`the name of bucket ${logicalId} is not known`);
    const settings: { -readonly [K in keyof BucketSettings]: BucketSettings[K] } = { logicalId, bucket };

    if (props['PublicAccessBlockConfiguration'] !== undefined) {
      const p = asObject(props['PublicAccessBlockConfiguration'], 'PublicAccessBlockConfiguration');
      settings.publicAccessBlock = {
        BlockPublicAcls: p['BlockPublicAcls'] === true,
        BlockPublicPolicy: p['BlockPublicPolicy'] === true,
        IgnorePublicAcls: p['IgnorePublicAcls'] === true,
        RestrictPublicBuckets: p['RestrictPublicBuckets'] === true,
      };
    }
    if (props['OwnershipControls'] !== undefined) {
      const rules = asArray(asObject(props['OwnershipControls'], 'OwnershipControls')['Rules'], 'OwnershipControls.Rules');
      settings.ownership = {
        Rules: rules.map((r) => ({ ObjectOwnership: String(asObject(r, 'ownership rule')['ObjectOwnership']) as 'BucketOwnerEnforced' })),
      };
    }
    if (props['VersioningConfiguration'] !== undefined) {
      const status = String(asObject(props['VersioningConfiguration'], 'VersioningConfiguration')['Status']);
      settings.versioning = { Status: status === 'Enabled' ? 'Enabled' : 'Suspended' };
    }
    if (props['LifecycleConfiguration'] !== undefined) {
      const rules = asArray(asObject(props['LifecycleConfiguration'], 'LifecycleConfiguration')['Rules'], 'LifecycleConfiguration.Rules');
      settings.lifecycleRules = rules.map((raw) => {
        const r = asObject(raw, 'lifecycle rule');
        const abort = r['AbortIncompleteMultipartUpload'];
        const expiry = r['ExpirationInDays'];
        if (Object.keys(r).some((k) => !['Id', 'Status', 'Prefix', 'ExpirationInDays', 'AbortIncompleteMultipartUpload'].includes(k))) {
          throw new TemplateResolveError(`lifecycle rule ${String(r['Id'])} uses properties the deployer cannot translate yet`);
        }
        return {
          ...(typeof r['Id'] === 'string' ? { ID: r['Id'] } : {}),
          Status: r['Status'] === 'Enabled' ? 'Enabled' : 'Disabled',
          Filter: { Prefix: typeof r['Prefix'] === 'string' ? r['Prefix'] : '' },
          ...(expiry !== undefined ? { Expiration: { Days: Number(expiry) } } : {}),
          ...(isObject(abort) ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: Number(abort['DaysAfterInitiation']) } } : {}),
        };
      });
    }
    if (props['NotificationConfiguration'] !== undefined) {
      const n = asObject(props['NotificationConfiguration'], 'NotificationConfiguration');
      const queues = asArray(n['QueueConfigurations'] ?? [], 'QueueConfigurations');
      settings.queueNotifications = queues.map((raw) => {
        const q = asObject(raw, 'queue configuration');
        const rules = isObject(q['Filter']) && isObject(q['Filter']['S3Key']) ? asArray(q['Filter']['S3Key']['Rules'], 'S3Key.Rules') : [];
        return {
          QueueArn: String(q['Queue']),
          Events: [String(q['Event'])],
          ...(rules.length > 0
            ? {
                Filter: {
                  Key: {
                    FilterRules: rules.map((rr) => {
                      const rule = asObject(rr, 'filter rule');
                      return { Name: String(rule['Name']).toLowerCase() === 'suffix' ? ('suffix' as const) : ('prefix' as const), Value: String(rule['Value']) };
                    }),
                  },
                },
              }
            : {}),
        };
      });
    }
    out.push(settings);
  }
  return out;
}

export interface QueuePolicySettings {
  readonly logicalId: string;
  readonly queueUrls: readonly string[];
  /** The policy document, as SetQueueAttributes takes it. */
  readonly policy: string;
}

/** Every AWS::SQS::QueuePolicy, resolved (moto's CloudFormation has no such resource type). */
export function queuePoliciesOf(template: StackTemplate, ctx: ResolveContext): QueuePolicySettings[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::SQS::QueuePolicy')
    .map(([logicalId, r]) => {
      const props = asObject(resolveIntrinsics((r.Properties ?? {}) as Json, ctx), `${logicalId}.Properties`);
      return {
        logicalId,
        queueUrls: asArray(props['Queues'], `${logicalId}.Queues`).map(String),
        policy: JSON.stringify(props['PolicyDocument']),
      };
    });
}
