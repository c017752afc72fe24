// An S3Client stand-in for the dock adapters' paging and error tests: records every command sent
// and answers with `answer` (moto answers small listings in one page, so paging needs a stub).
import type { S3Client } from '@aws-sdk/client-s3';

export interface SentCommand {
  input: Record<string, unknown>;
  constructor: { name: string };
}

export function stubS3(answer: (command: SentCommand) => unknown): { client: S3Client; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  const client = {
    send: async (command: SentCommand) => {
      sent.push(command);
      return answer(command);
    },
  } as unknown as S3Client;
  return { client, sent };
}
