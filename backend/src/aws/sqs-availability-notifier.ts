/**
 * Publishes "file available" on the FIFO notification queue (the AvailabilityNotifier port). The
 * deduplication id is the upload id, so SQS drops a second message for the same upload sent within
 * its 5-minute deduplication window; the group id is the upload id too, so one slow consumer of one
 * file does not hold back the others.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FileAvailableMessage } from '../domain/file-available.js';
import { awsStepError, type AvailabilityNotifier } from '../domain/job-ports.js';

export class SqsAvailabilityNotifier implements AvailabilityNotifier {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(message: FileAvailableMessage): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(message),
          MessageGroupId: message.uploadId,
          MessageDeduplicationId: message.uploadId,
          MessageAttributes: { type: { DataType: 'String', StringValue: message.type } },
        }),
      );
    } catch (error) {
      throw awsStepError('SQS SendMessage (file available)', error);
    }
  }
}
