// Structural checks of backend/infra/dockside-service.template.json (the backend on ECS Fargate)
// and of how the main template nests it: the tasks run as the main stack's backend role, the load
// balancer speaks HTTPS only (HTTP redirects), both services scale (the API on CPU and requests per
// task, the worker on the event queue's depth), the containers are non-root with a read-only root
// filesystem, a /healthz health check and a stop timeout above the backend's drain, and the
// environment they get is one the backend's own config loader accepts: no jobs on the API, the
// promotion and cleanup jobs on the worker.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCKSIDE_SERVICE_TEMPLATE_PATH, DOCKSIDE_TEMPLATE_PATH } from '../../../backend/src/aws/stack-deployer.js';
import { loadConfig } from '../../../backend/src/config.js';
import type { Json, StackTemplate } from '../../../backend/src/domain/stack-template.js';
import { SHUTDOWN_GRACE_MS } from '../../../backend/src/main.js';
import { checkReferences } from './template-references.js';

const service = JSON.parse(readFileSync(DOCKSIDE_SERVICE_TEMPLATE_PATH, 'utf8')) as StackTemplate & { Conditions?: Record<string, Json> };
const main = JSON.parse(readFileSync(DOCKSIDE_TEMPLATE_PATH, 'utf8')) as StackTemplate & { Conditions?: Record<string, Json> };
const resources = service.Resources;

type Obj = Record<string, Json>;
const props = (logicalId: string): Obj => resources[logicalId]!.Properties as Obj;
const ofType = (type: string): string[] => Object.entries(resources).filter(([, r]) => r.Type === type).map(([id]) => id);
const container = (taskDefinition: string): Obj => (props(taskDefinition)['ContainerDefinitions'] as Obj[])[0]!;

const GETATT_ALLOWED: Record<string, string[]> = {
  'AWS::IAM::Role': ['Arn'],
  'AWS::ECS::Service': ['Name', 'ServiceArn'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['DNSName', 'CanonicalHostedZoneID', 'LoadBalancerFullName', 'LoadBalancerArn'],
  'AWS::ElasticLoadBalancingV2::TargetGroup': ['TargetGroupFullName', 'TargetGroupArn'],
  'AWS::Logs::LogGroup': ['Arn'],
};

/** Sample values for the parameters without a default: what IT passes from the main stack. */
const SAMPLE: Record<string, string> = {
  ImageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/dockside-backend:1.0.0',
  VpcId: 'vpc-0123456789abcdef0',
  PrivateSubnetIds: 'subnet-aaaa,subnet-bbbb',
  LoadBalancerSubnetIds: 'subnet-cccc,subnet-dddd',
  CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000000',
  BackendRoleArn: 'arn:aws:iam::123456789012:role/dockside-backend',
  DockBucketName: 'dockside-dock-123456789012-eu-west-1',
  DockKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  PermanentBucketName: 'dockside-permanent-123456789012-eu-west-1',
  PermanentKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000',
  UploaderRoleArn: 'arn:aws:iam::123456789012:role/dockside-uploader',
  UploadsTableName: 'dockside-uploads',
  EventQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dockside-dock-events',
  NotifyQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dockside-file-available.fifo',
  OidcIssuer: 'https://login.example.com/tenant',
  OidcAudience: 'dockside',
};

/** Parameter values: the sample, else the template's default. */
function parameterValues(overrides: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = { 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', 'AWS::Partition': 'aws' };
  for (const [name, p] of Object.entries(service.Parameters ?? {})) {
    const value = overrides[name] ?? SAMPLE[name] ?? (p.Default === undefined ? undefined : String(p.Default));
    expect(value, `parameter ${name} has no default and no sample value`).toBeDefined();
    values[name] = value!;
  }
  return values;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves Ref (parameters only), Fn::If, Fn::Not, Fn::Equals, Fn::Select and Fn::Split, as CloudFormation would. */
function resolve(value: Json, params: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, params)).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const [fn] = keys;
  const arg = value[fn!]!;
  if (keys.length === 1 && fn === 'Ref') {
    if (arg === 'AWS::NoValue') return NO_VALUE;
    const v = params[String(arg)];
    if (v === undefined) throw new Error(`Ref ${String(arg)} is not a parameter`);
    return v;
  }
  if (keys.length === 1 && fn === 'Fn::If') {
    const [condition, yes, no] = arg as [string, Json, Json];
    return resolve(resolve(service.Conditions![condition]!, params) ? yes : no, params);
  }
  if (keys.length === 1 && fn === 'Fn::Not') return !(resolve((arg as Json[])[0]!, params) as boolean);
  if (keys.length === 1 && fn === 'Fn::Equals') return resolve((arg as Json[])[0]!, params) === resolve((arg as Json[])[1]!, params);
  if (keys.length === 1 && fn === 'Fn::Split') return String(resolve((arg as Json[])[1]!, params)).split(String((arg as Json[])[0]));
  if (keys.length === 1 && fn === 'Fn::Select') return (resolve((arg as Json[])[1]!, params) as unknown[])[Number((arg as Json[])[0])];
  if (keys.length === 1 && fn!.startsWith('Fn::')) throw new Error(`${fn} is not resolved here`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, params)]));
}

/** The container's environment as the task would get it. */
function environmentOf(taskDefinition: string, overrides: Record<string, string> = {}): Record<string, string> {
  const env = resolve(container(taskDefinition)['Environment']!, parameterValues(overrides)) as { Name: string; Value: string }[];
  return Object.fromEntries(env.map((e) => [e.Name, String(e.Value)]));
}

describe('service template (ECS Fargate)', () => {
  it('resolves every Ref, GetAtt, ${} and DependsOn, and has no dependency cycle', () => {
    checkReferences(service, GETATT_ALLOWED);
  });

  it("runs both services' tasks as the main stack's backend role, with an execution role only for the image and the logs", () => {
    for (const td of ['ApiTaskDefinition', 'WorkerTaskDefinition']) {
      const p = props(td);
      expect(p['TaskRoleArn']).toEqual({ Ref: 'BackendRoleArn' });
      expect(p['ExecutionRoleArn']).toEqual({ 'Fn::GetAtt': ['ExecutionRole', 'Arn'] });
      expect(p['RequiresCompatibilities']).toEqual(['FARGATE']);
      expect(p['NetworkMode']).toBe('awsvpc');
    }
    const execution = props('ExecutionRole');
    expect(execution['ManagedPolicyArns']).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' }]);
    expect(execution['Policies']).toBeUndefined();
    const trust = ((execution['AssumeRolePolicyDocument'] as Obj)['Statement'] as Obj[]).map((s) => s['Principal']);
    expect(trust).toEqual([{ Service: 'ecs-tasks.amazonaws.com' }]);
    // The main stack's backend role is what the tasks assume: ECS must be its principal.
    expect(main.Parameters!['BackendServicePrincipal']!.Default).toBe('ecs-tasks.amazonaws.com');
    expect(ofType('AWS::IAM::Role')).toEqual(['ExecutionRole']);
  });

  it('listens on HTTPS with the certificate parameter, redirects HTTP to HTTPS, and health-checks /healthz on the tasks', () => {
    const listeners = ofType('AWS::ElasticLoadBalancingV2::Listener').map((id) => props(id));
    expect(listeners).toHaveLength(2);
    const https = listeners.find((l) => l['Protocol'] === 'HTTPS')!;
    expect(https['Port']).toBe(443);
    expect(https['Certificates']).toEqual([{ CertificateArn: { Ref: 'CertificateArn' } }]);
    expect(String(https['SslPolicy'])).toMatch(/^ELBSecurityPolicy-TLS13-/);
    expect(https['DefaultActions']).toEqual([{ Type: 'forward', TargetGroupArn: { Ref: 'ApiTargetGroup' } }]);
    const http = listeners.find((l) => l['Protocol'] === 'HTTP')!;
    expect(http['Port']).toBe(80);
    const [redirect] = http['DefaultActions'] as Obj[];
    expect(redirect!['Type']).toBe('redirect');
    expect(redirect!['RedirectConfig']).toMatchObject({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' });

    const tg = props('ApiTargetGroup');
    expect(tg).toMatchObject({ TargetType: 'ip', Protocol: 'HTTP', Port: 8080, HealthCheckPath: '/healthz', Matcher: { HttpCode: '200' } });
    expect(props('ApiService')['LoadBalancers']).toEqual([{ ContainerName: 'backend', ContainerPort: 8080, TargetGroupArn: { Ref: 'ApiTargetGroup' } }]);
    // The service registers targets only once the listener exists.
    expect(resources['ApiService']!.DependsOn).toContain('HttpsListener');
    expect(props('WorkerService')['LoadBalancers']).toBeUndefined();
  });

  it('runs the image as a non-root user on a read-only root filesystem, health-checked on /healthz, with a stop timeout above the drain', () => {
    for (const td of ['ApiTaskDefinition', 'WorkerTaskDefinition']) {
      const c = container(td);
      expect(c['Image']).toEqual({ Ref: 'ImageUri' });
      expect(c['ReadonlyRootFilesystem']).toBe(true);
      const [uid, gid] = String(c['User']).split(':').map(Number);
      expect(uid).toBeGreaterThan(0);
      expect(gid).toBeGreaterThan(0);
      expect(Number(c['StopTimeout']) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
      expect(Number(c['StopTimeout'])).toBeLessThanOrEqual(120); // Fargate's limit
      const health = c['HealthCheck'] as Obj;
      expect((health['Command'] as string[]).slice(0, 3)).toEqual(['CMD', 'node', '-e']);
      expect((health['Command'] as string[])[3]).toContain("'/healthz'");
      expect(c['PortMappings']).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
      expect(c['LinuxParameters']).toEqual({ InitProcessEnabled: true });
      const logs = c['LogConfiguration'] as Obj;
      expect(logs['LogDriver']).toBe('awslogs');
      const group = ((logs['Options'] as Obj)['awslogs-group'] as Obj)['Ref'] as string;
      expect(resources[group]!.Type).toBe('AWS::Logs::LogGroup');
      expect(props(group)['RetentionInDays']).toEqual({ Ref: 'LogRetentionDays' });
    }
  });

  it("gives each service an environment the backend's config loader accepts: no jobs on the API, promotion and cleanup on the worker", () => {
    const api = environmentOf('ApiTaskDefinition');
    const worker = environmentOf('WorkerTaskDefinition');
    const apiConfig = loadConfig(api);
    const workerConfig = loadConfig(worker);
    expect(apiConfig.jobs.enabled).toEqual([]);
    expect(workerConfig.jobs.enabled).toEqual(['promotion', 'cleanup']);
    for (const config of [apiConfig, workerConfig]) {
      expect(config.host).toBe('0.0.0.0');
      expect(config.port).toBe(8080);
      expect(config.aws).toEqual({ region: 'eu-west-1', endpoint: null, forcePathStyle: false });
      expect(config.uploader.roleArn).toBe(SAMPLE['UploaderRoleArn']);
      expect(config.queues.eventQueueUrl).toBe(SAMPLE['EventQueueUrl']);
      expect(config.auth.oidc).toEqual({ issuer: SAMPLE['OidcIssuer'], audience: 'dockside', jwksUrl: null });
      expect(config.jobs.dockExpiryDays).toBe(7);
    }
    // The optional JWKS URL appears only when given.
    expect(api['DOCKSIDE_OIDC_JWKS_URL']).toBeUndefined();
    const withJwks = loadConfig(environmentOf('ApiTaskDefinition', { OidcJwksUrl: 'https://login.example.com/keys' }));
    expect(withJwks.auth.oidc?.jwksUrl).toBe('https://login.example.com/keys');
  });

  it('scales the API by target tracking on CPU and on requests per task', () => {
    const target = props('ApiScalableTarget');
    expect(target).toMatchObject({ ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: { Ref: 'ApiMinCount' }, MaxCapacity: { Ref: 'ApiMaxCount' } });
    expect(target['ResourceId']).toEqual({ 'Fn::Sub': 'service/${Cluster}/${ApiService.Name}' });
    const policies = ofType('AWS::ApplicationAutoScaling::ScalingPolicy').map((id) => props(id)).filter((p) => (p['ScalingTargetId'] as Obj)['Ref'] === 'ApiScalableTarget');
    expect(policies.map((p) => p['PolicyType'])).toEqual(['TargetTrackingScaling', 'TargetTrackingScaling']);
    const metrics = policies.map((p) => ((p['TargetTrackingScalingPolicyConfiguration'] as Obj)['PredefinedMetricSpecification'] as Obj)['PredefinedMetricType']);
    expect(metrics.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
    const requests = policies.find((p) => JSON.stringify(p).includes('ALBRequestCountPerTarget'))!;
    const label = ((requests['TargetTrackingScalingPolicyConfiguration'] as Obj)['PredefinedMetricSpecification'] as Obj)['ResourceLabel'];
    expect(label).toEqual({ 'Fn::Sub': '${LoadBalancer.LoadBalancerFullName}/${ApiTargetGroup.TargetGroupFullName}' });
  });

  it("scales the worker on the event queue's depth: out while events wait, back to the minimum when none is waiting or in progress", () => {
    const target = props('WorkerScalableTarget');
    expect(target['ResourceId']).toEqual({ 'Fn::Sub': 'service/${Cluster}/${WorkerService.Name}' });
    expect(service.Parameters!['WorkerMinCount']!['MinValue']).toBeGreaterThanOrEqual(1); // the cleanup job runs there
    const params = parameterValues();
    const alarms = ofType('AWS::CloudWatch::Alarm').map((id) => ({ id, p: props(id) }));
    const policyOf = (alarm: Obj): Obj => props(((alarm['AlarmActions'] as Obj[])[0]!)['Ref'] as string);

    const backlog = alarms.find((a) => a.p['MetricName'] === 'ApproximateNumberOfMessagesVisible')!;
    expect(backlog).toBeDefined();
    expect(backlog.p['Namespace']).toBe('AWS/SQS');
    expect(resolve(backlog.p['Dimensions']!, params)).toEqual([{ Name: 'QueueName', Value: 'dockside-dock-events' }]);
    expect(backlog.p['ComparisonOperator']).toBe('GreaterThanOrEqualToThreshold');
    const out = policyOf(backlog.p);
    expect(out['PolicyType']).toBe('StepScaling');
    expect(out['ScalingTargetId']).toEqual({ Ref: 'WorkerScalableTarget' });
    const steps = (out['StepScalingPolicyConfiguration'] as Obj)['StepAdjustments'] as Obj[];
    expect(steps.every((s) => Number(s['ScalingAdjustment']) > 0)).toBe(true);

    const idle = alarms.find((a) => a.id !== backlog.id)!;
    const queries = idle.p['Metrics'] as Obj[];
    const stats = queries.filter((q) => q['MetricStat']).map((q) => (q['MetricStat'] as Obj)['Metric'] as Obj);
    expect(stats.map((m) => m['MetricName']).sort()).toEqual(['ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesVisible']);
    for (const m of stats) expect(resolve(m['Dimensions']!, params)).toEqual([{ Name: 'QueueName', Value: 'dockside-dock-events' }]);
    expect(idle.p).toMatchObject({ Threshold: 0, ComparisonOperator: 'LessThanOrEqualToThreshold' });
    const back = policyOf(idle.p);
    expect(back['ScalingTargetId']).toEqual({ Ref: 'WorkerScalableTarget' });
    expect(back['StepScalingPolicyConfiguration']).toMatchObject({ AdjustmentType: 'ExactCapacity', StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: { Ref: 'WorkerMinCount' } }] });
  });

  it('keeps the tasks in private subnets without public addresses, reachable only from the load balancer, and rolls back failed deployments', () => {
    for (const svc of ['ApiService', 'WorkerService']) {
      const p = props(svc);
      expect(p['LaunchType']).toBe('FARGATE');
      expect((p['NetworkConfiguration'] as Obj)['AwsvpcConfiguration']).toMatchObject({ AssignPublicIp: 'DISABLED', Subnets: { Ref: 'PrivateSubnetIds' } });
      expect(p['DeploymentConfiguration']).toMatchObject({ DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100 });
    }
    expect(props('ApiService')['DesiredCount']).toEqual({ Ref: 'ApiDesiredCount' });
    expect(props('ApiSecurityGroup')['SecurityGroupIngress']).toEqual([
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: { Ref: 'LoadBalancerSecurityGroup' }, Description: 'From the load balancer' },
    ]);
    expect(props('WorkerSecurityGroup')['SecurityGroupIngress']).toBeUndefined();
    expect((props('LoadBalancerSecurityGroup')['SecurityGroupIngress'] as Obj[]).map((r) => r['FromPort']).sort()).toEqual([443, 80]);
  });
});

describe('main template: the optional nested ServiceStack', () => {
  const nested = main.Resources['ServiceStack']!;
  const passed = (nested.Properties as Obj)['Parameters'] as Obj;

  it('exists only when an image and the service template URL are given (so moto and stacks without compute deploy as before)', () => {
    expect(nested.Type).toBe('AWS::CloudFormation::Stack');
    expect(nested['Condition']).toBe('DeployService');
    const condition = JSON.stringify(main.Conditions!['DeployService']);
    expect(condition).toContain('"Ref":"ServiceImageUri"');
    expect(condition).toContain('"Ref":"ServiceTemplateUrl"');
    expect(main.Parameters!['ServiceImageUri']!.Default).toBe('');
    expect(main.Outputs!['ServiceUrl']).toMatchObject({ Condition: 'DeployService' });
  });

  it("passes every service parameter that has no default, the stack's own resources by reference, and the backend role as the task role", () => {
    const required = Object.entries(service.Parameters ?? {}).filter(([, p]) => p.Default === undefined).map(([name]) => name);
    for (const name of required) expect(passed, name).toHaveProperty(name);
    for (const name of Object.keys(passed)) expect(service.Parameters, name).toHaveProperty(name);
    expect(passed['BackendRoleArn']).toEqual({ 'Fn::GetAtt': ['BackendRole', 'Arn'] });
    expect(passed['EventQueueUrl']).toEqual({ Ref: 'EventQueue' });
    expect(passed['NotifyQueueUrl']).toEqual({ Ref: 'NotifyQueue' });
    expect(passed['DockKmsKeyArn']).toEqual({ 'Fn::GetAtt': ['DockKey', 'Arn'] });
    expect(passed['UploaderRoleArn']).toEqual({ 'Fn::GetAtt': ['UploaderRole', 'Arn'] });
    expect(passed['DockExpiryDays']).toEqual({ Ref: 'DockExpiryDays' });
    expect(passed['NamePrefix']).toEqual({ Ref: 'NamePrefix' });
  });
});
