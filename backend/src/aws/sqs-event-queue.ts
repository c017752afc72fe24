/** The dock's S3 event queue over SQS (the EventQueue port). */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { awsStepError, type EventQueue, type ReceivedMessage } from '../domain/job-ports.js';

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async receive(options: { maxMessages: number; waitSeconds: number; signal?: AbortSignal }): Promise<ReceivedMessage[]> {
    if (options.signal?.aborted) return [];
    try {
      const out = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(10, options.maxMessages)),
          WaitTimeSeconds: options.waitSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      return (out.Messages ?? []).flatMap((m) =>
        m.MessageId && m.ReceiptHandle
          ? [
              {
                messageId: m.MessageId,
                receiptHandle: m.ReceiptHandle,
                body: m.Body ?? '',
                receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1,
              },
            ]
          : [],
      );
    } catch (error) {
      // A stop aborts the long poll: that is an empty answer, not a failure.
      if (options.signal?.aborted) return [];
      throw wrap('ReceiveMessage', error);
    }
  }

  async delete(receiptHandle: string): Promise<void> {
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle }));
    } catch (error) {
      throw wrap('DeleteMessage', error);
    }
  }

  async setVisibility(receiptHandle: string, seconds: number): Promise<void> {
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }),
      );
    } catch (error) {
      throw wrap('ChangeMessageVisibility', error);
    }
  }
}

const wrap = (operation: string, error: unknown) => awsStepError(`SQS ${operation}`, error);
