/**
 * Deploys backend/infra/dockside.template.json with CloudFormation (CreateStack), waits for it,
 * reads its Outputs and maps them onto the backend's configuration (toBackendEnv).
 *
 * Against moto (the local stack) CreateStack brings up the KMS keys, the queues (redrive, FIFO),
 * the table with its GSI, the roles and the managed policy, and the buckets with default SSE-KMS;
 * it silently skips the buckets' public access block, ownership controls, versioning, lifecycle
 * rules and event notification, and has no AWS::SQS::QueuePolicy or AWS::S3::BucketPolicy. After
 * the stack, the deployer therefore reads each of those bucket settings and the queue policy back
 * and sets the missing ones with the S3/SQS APIs, from the template's own definitions (see
 * domain/stack-template.ts). Against AWS they are all present and nothing is set. The bucket
 * policies are not set that way on purpose: moto evaluates bucket policies without their
 * Conditions, so the TLS-only Deny would deny every request on the local stack.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type Event,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import {
  bucketSettingsOf,
  contextFromOutputs,
  queuePoliciesOf,
  type BucketSettings,
  type StackTemplate,
} from '../domain/stack-template.js';

/** The template this module deploys. */
export const DOCKSIDE_TEMPLATE_PATH = fileURLToPath(new URL('../../infra/dockside.template.json', import.meta.url));
/** The backend's compute (ECS Fargate, load balancer, autoscaling): the main template's nested ServiceStack, or a stack of its own. */
export const DOCKSIDE_SERVICE_TEMPLATE_PATH = fileURLToPath(new URL('../../infra/dockside-service.template.json', import.meta.url));

/** The template's parameters (all have defaults). */
export interface StackParameters {
  readonly NamePrefix?: string;
  readonly AbortIncompleteUploadsAfterDays?: number;
  readonly DockExpiryDays?: number;
  readonly EventQueueVisibilityTimeoutSeconds?: number;
  readonly EventQueueMaxReceiveCount?: number;
  readonly BackendServicePrincipal?: string;
  readonly UploaderMaxSessionSeconds?: number;
}

export interface DeployStackOptions {
  readonly stackName: string;
  readonly region: string;
  /** An S3/SQS/CloudFormation-compatible endpoint (moto); omit for AWS. */
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly parameters?: StackParameters;
  readonly templatePath?: string;
  /** How long to wait for CREATE_COMPLETE. Default 10 minutes. */
  readonly timeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** Set template settings that the stack did not apply (see the module comment). Default true. */
  readonly reconcile?: boolean;
  readonly logger?: Logger;
}

/** The deployed stack: everything the backend's configuration needs, and what was done how. */
export interface DocksideStack {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly endpoint: string | null;
  /** True when a stack of that name already existed and was used as it is. */
  readonly reused: boolean;
  readonly dockBucket: string;
  readonly dockKmsKeyArn: string;
  readonly permanentBucket: string;
  readonly permanentKmsKeyArn: string;
  readonly uploaderRoleArn: string;
  readonly uploadsTable: string;
  readonly eventQueueUrl: string;
  readonly eventQueueArn: string;
  readonly eventDeadLetterQueueUrl: string;
  readonly notifyQueueUrl: string;
  readonly notifyQueueArn: string;
  readonly backendRoleArn: string;
  readonly backendPolicyArn: string;
  /** The DockExpiryDays the stack was made with: after it the dock's lifecycle rule deletes everything. */
  readonly dockExpiryDays: number;
  /** Template parts the stack left out and the deployer set through the S3/SQS APIs, e.g. `DockBucket.LifecycleConfiguration`. */
  readonly setBySdk: readonly string[];
  /** Template resources the stack did not create and the deployer did not set (with the type). */
  readonly notDeployed: readonly string[];
}

export class StackDeployError extends Error {
  override readonly name = 'StackDeployError';
  readonly code = 'STACK_DEPLOY_FAILED' as const;
  readonly retryable = false;
}

const OUTPUTS = {
  dockBucket: 'DockBucketName',
  dockKmsKeyArn: 'DockKmsKeyArn',
  permanentBucket: 'PermanentBucketName',
  permanentKmsKeyArn: 'PermanentKmsKeyArn',
  uploaderRoleArn: 'UploaderRoleArn',
  uploadsTable: 'UploadsTableName',
  eventQueueUrl: 'EventQueueUrl',
  eventQueueArn: 'EventQueueArn',
  eventDeadLetterQueueUrl: 'EventDeadLetterQueueUrl',
  notifyQueueUrl: 'NotifyQueueUrl',
  notifyQueueArn: 'NotifyQueueArn',
  backendRoleArn: 'BackendRoleArn',
  backendPolicyArn: 'BackendPolicyArn',
} as const;

const USABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE']);

/** Reads the template from disk. */
export async function loadTemplate(path = DOCKSIDE_TEMPLATE_PATH): Promise<{ body: string; template: StackTemplate }> {
  const body = await readFile(path, 'utf8');
  return { body, template: JSON.parse(body) as StackTemplate };
}

/**
 * Creates the stack, or reuses an existing one of that name, waits until it is complete, sets
 * what the stack left out (reconcile) and returns its outputs.
 */
export async function deployStack(options: DeployStackOptions): Promise<DocksideStack> {
  const clientConfig = {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const cfn = new CloudFormationClient(clientConfig);
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: options.endpoint !== undefined });
  const sqs = new SQSClient(clientConfig);
  const log = options.logger;
  try {
    const { body, template } = await loadTemplate(options.templatePath);
    let stack = await describe(cfn, options.stackName);
    const reused = stack !== null;
    if (stack === null) {
      await cfn.send(
        new CreateStackCommand({
          StackName: options.stackName,
          TemplateBody: body,
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          Parameters: Object.entries(options.parameters ?? {}).map(([k, v]) => ({ ParameterKey: k, ParameterValue: String(v) })),
          Tags: [{ Key: 'app', Value: 'dockside' }],
        }),
      );
      log?.info({ stackName: options.stackName }, 'stack: CreateStack sent');
    } else {
      log?.info({ stackName: options.stackName, status: stack.StackStatus }, 'stack: exists; reusing it');
    }
    stack = await waitUntilUsable(cfn, options.stackName, options.timeoutMs ?? 600_000, options.pollIntervalMs ?? 1_000);

    const outputs = Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
    const parameters: Record<string, string> = {
      ...Object.fromEntries(Object.entries(template.Parameters ?? {}).map(([k, p]) => [k, String(p.Default ?? '')])),
      ...Object.fromEntries((stack.Parameters ?? []).flatMap((p) => (p.ParameterKey ? [[p.ParameterKey, p.ParameterValue ?? '']] : []))),
    };
    const stackId = stack.StackId ?? options.stackName;
    const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: options.stackName }));
    const refs: Record<string, string> = {};
    for (const r of resources.StackResources ?? []) {
      if (r.LogicalResourceId && r.PhysicalResourceId) refs[r.LogicalResourceId] = r.PhysicalResourceId;
    }
    const accountId = /^arn:[^:]+:cloudformation:[^:]*:(\d+):/.exec(stackId)?.[1] ?? '';
    const ctx = contextFromOutputs(
      template,
      outputs,
      { ...parameters, 'AWS::Region': options.region, 'AWS::AccountId': accountId, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': options.stackName, 'AWS::StackId': stackId },
      refs,
    );

    const setBySdk: string[] = [];
    /** Resources the stack lacks but the deployer found or made (queue policies). */
    const reconciled = new Set<string>();
    if (options.reconcile ?? true) {
      for (const settings of bucketSettingsOf(template, ctx)) setBySdk.push(...(await reconcileBucket(s3, settings)));
      for (const policy of queuePoliciesOf(template, ctx)) {
        for (const url of policy.queueUrls) {
          reconciled.add(policy.logicalId);
          const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }));
          if (attrs.Attributes?.Policy) continue;
          await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy.policy } }));
          setBySdk.push(policy.logicalId);
        }
      }
    }
    const notDeployed = Object.entries(template.Resources)
      .filter(([logicalId]) => refs[logicalId] === undefined && !reconciled.has(logicalId))
      .map(([logicalId, r]) => `${logicalId} (${r.Type})`);
    if (setBySdk.length > 0 || notDeployed.length > 0) log?.info({ setBySdk, notDeployed }, 'stack: reconciled with the template');

    const get = (key: string): string => {
      const value = outputs[key];
      if (!value) throw new StackDeployError(`stack ${options.stackName} has no output ${key}; was it made from another template?`);
      return localQueueUrl(value, options.endpoint);
    };
    return {
      stackName: options.stackName,
      stackId,
      region: options.region,
      endpoint: options.endpoint ?? null,
      reused,
      dockBucket: get(OUTPUTS.dockBucket),
      dockKmsKeyArn: get(OUTPUTS.dockKmsKeyArn),
      permanentBucket: get(OUTPUTS.permanentBucket),
      permanentKmsKeyArn: get(OUTPUTS.permanentKmsKeyArn),
      uploaderRoleArn: get(OUTPUTS.uploaderRoleArn),
      uploadsTable: get(OUTPUTS.uploadsTable),
      eventQueueUrl: get(OUTPUTS.eventQueueUrl),
      eventQueueArn: get(OUTPUTS.eventQueueArn),
      eventDeadLetterQueueUrl: get(OUTPUTS.eventDeadLetterQueueUrl),
      notifyQueueUrl: get(OUTPUTS.notifyQueueUrl),
      notifyQueueArn: get(OUTPUTS.notifyQueueArn),
      backendRoleArn: get(OUTPUTS.backendRoleArn),
      backendPolicyArn: get(OUTPUTS.backendPolicyArn),
      dockExpiryDays: Number(parameters['DockExpiryDays']),
      setBySdk,
      notDeployed,
    };
  } finally {
    cfn.destroy();
    s3.destroy();
    sqs.destroy();
  }
}

/** The backend's configuration environment for a deployed stack (names as backend/src/config.ts reads them). */
export function toBackendEnv(stack: DocksideStack, options: { cleanupMaxAgeHours: number }): Record<string, string> {
  return {
    AWS_REGION: stack.region,
    ...(stack.endpoint ? { DOCKSIDE_AWS_ENDPOINT: stack.endpoint } : {}),
    DOCKSIDE_DOCK_BUCKET: stack.dockBucket,
    DOCKSIDE_DOCK_KMS_KEY_ARN: stack.dockKmsKeyArn,
    DOCKSIDE_PERMANENT_BUCKET: stack.permanentBucket,
    DOCKSIDE_PERMANENT_KMS_KEY_ARN: stack.permanentKmsKeyArn,
    DOCKSIDE_UPLOADER_ROLE_ARN: stack.uploaderRoleArn,
    DOCKSIDE_UPLOADS_TABLE: stack.uploadsTable,
    DOCKSIDE_EVENT_QUEUE_URL: stack.eventQueueUrl,
    DOCKSIDE_NOTIFY_QUEUE_URL: stack.notifyQueueUrl,
    DOCKSIDE_CLEANUP_MAX_AGE_HOURS: String(options.cleanupMaxAgeHours),
    DOCKSIDE_DOCK_EXPIRY_DAYS: String(stack.dockExpiryDays),
  };
}

/**
 * CloudFormation on moto reports AWS-style queue URLs (https://sqs.REGION.amazonaws.com/...). On a
 * local stack they are pointed at the endpoint, so no tool that follows a queue URL's host can
 * ever reach AWS with local credentials.
 */
function localQueueUrl(value: string, endpoint: string | undefined): string {
  if (!endpoint) return value;
  const m = /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\/\d+\/[^/]+)$/.exec(value);
  return m ? `${endpoint.replace(/\/+$/, '')}${m[1]}` : value;
}

async function describe(cfn: CloudFormationClient, stackName: string): Promise<Stack | null> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return out.Stacks?.[0] ?? null;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')) return null;
    throw error;
  }
}

async function waitUntilUsable(cfn: CloudFormationClient, stackName: string, timeoutMs: number, pollMs: number): Promise<Stack> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stack = await describe(cfn, stackName);
    const status = stack?.StackStatus ?? 'GONE';
    if (stack && USABLE.has(status)) return stack;
    if (!status.endsWith('_IN_PROGRESS')) {
      throw new StackDeployError(
        `stack ${stackName} is ${status}${stack?.StackStatusReason ? ` (${stack.StackStatusReason})` : ''}${await firstFailure(cfn, stackName)}; delete it and deploy again`,
      );
    }
    if (Date.now() > deadline) throw new StackDeployError(`stack ${stackName} still ${status} after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function firstFailure(cfn: CloudFormationClient, stackName: string): Promise<string> {
  try {
    const events = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
    const failed = (events.StackEvents ?? []).reverse().find((e) => e.ResourceStatus?.endsWith('_FAILED'));
    return failed ? `: ${failed.LogicalResourceId} ${failed.ResourceStatus}: ${failed.ResourceStatusReason ?? ''}` : '';
  } catch {
    return '';
  }
}

/** Sets each bucket setting of the template that S3 does not report; returns `Logical.Property` for each one set. */
async function reconcileBucket(s3: S3Client, settings: BucketSettings): Promise<string[]> {
  const Bucket = settings.bucket;
  const set: string[] = [];
  const apply = async (property: string, present: () => Promise<boolean>, put: () => Promise<unknown>): Promise<void> => {
    if (await isPresent(present)) return;
    await put();
    set.push(`${settings.logicalId}.${property}`);
  };
  const { publicAccessBlock, ownership, versioning, lifecycleRules, queueNotifications } = settings;
  if (publicAccessBlock) {
    await apply(
      'PublicAccessBlockConfiguration',
      async () => Boolean((await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration),
      () => s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: publicAccessBlock })),
    );
  }
  if (ownership) {
    await apply(
      'OwnershipControls',
      async () => Boolean((await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules?.length),
      () => s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: ownership })),
    );
  }
  if (versioning) {
    await apply(
      'VersioningConfiguration',
      async () => Boolean((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status),
      () => s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: versioning })),
    );
  }
  if (lifecycleRules) {
    await apply(
      'LifecycleConfiguration',
      async () => Boolean((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules?.length),
      () => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: lifecycleRules } })),
    );
  }
  if (queueNotifications) {
    await apply(
      'NotificationConfiguration',
      async () => Boolean((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))).QueueConfigurations?.length),
      () =>
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket,
            NotificationConfiguration: { QueueConfigurations: queueNotifications.map((q) => ({ ...q, Events: q.Events as Event[] })) },
          }),
        ),
    );
  }
  return set;
}

/** Runs a Get*; S3's "there is none" answers (404, NoSuch*, *NotFound*) count as absent. */
async function isPresent(read: () => Promise<boolean>): Promise<boolean> {
  try {
    return await read();
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.$metadata?.httpStatusCode === 404 || /^NoSuch|NotFound/.test(e.name ?? '')) return false;
    throw error;
  }
}
