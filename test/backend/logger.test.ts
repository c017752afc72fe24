import { describe, expect, it } from 'vitest';
import { createLogger } from '../../backend/src/logger.js';
import { captureLog } from './log-capture.js';

describe('the backend logger', () => {
  it('redacts tokens, authorization headers and AWS secrets at any depth we log', () => {
    const { lines, destination } = captureLog();
    const log = createLogger({ level: 'info', destination });
    log.info(
      {
        token: 'SEKRIT0',
        req: { headers: { authorization: 'Bearer SEKRIT1', cookie: 'c=SEKRIT2', 'x-amz-security-token': 'SEKRIT3' } },
        credentials: { accessKeyId: 'ASIAKEEP', secretAccessKey: 'SEKRIT4', sessionToken: 'SEKRIT5' },
        answer: { Credentials: { SecretAccessKey: 'SEKRIT6', SessionToken: 'SEKRIT7' } },
        deep: { a: { b: { c: { password: 'SEKRIT8' } } } },
      },
      'with secrets',
    );
    const text = lines.join('');
    for (let i = 0; i <= 8; i++) expect(text).not.toContain(`SEKRIT${i}`);
    expect(text).toContain('ASIAKEEP');
    expect(text).toContain('[redacted]');
  });
});
