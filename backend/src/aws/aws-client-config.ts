/** The settings every AWS SDK client of the backend shares, from the validated configuration. */
import type { BackendConfig } from '../config.js';

/** Static credentials (tests, moto); in AWS the SDK's default chain is used instead. */
export interface StaticAwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: StaticAwsCredentials;
  readonly maxAttempts: number;
}

/**
 * Region, endpoint (moto or another local stack when configured) and path-style for the backend's
 * own clients. Credentials come from the SDK's default chain unless given (tests pass them).
 */
export function awsClientConfig(aws: BackendConfig['aws'], credentials?: StaticAwsCredentials): AwsClientConfig {
  return {
    region: aws.region,
    ...(aws.endpoint !== null ? { endpoint: aws.endpoint } : {}),
    forcePathStyle: aws.forcePathStyle,
    ...(credentials !== undefined ? { credentials } : {}),
    // The SDK's own retry with backoff covers throttling and brief outages of STS, S3 and DynamoDB.
    maxAttempts: 3,
  };
}
