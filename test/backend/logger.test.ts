import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../backend/src/logger.js';
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

  it.each([
    ['/v1/uploads', '/v1/uploads'],
    ['/v1/uploads?', '/v1/uploads?'],
    ['/v1/uploads?limit=5&cursor=eyJvd25lciI6', '/v1/uploads?limit=[redacted]&cursor=[redacted]'],
    ['/v1/uploads?access_token=SEKRIT', '/v1/uploads?access_token=[redacted]'],
    ['/x?X-Amz-Credential=AKIA%2F&X-Amz-Signature=SEKRIT&X-Amz-Security-Token=SEKRIT', '/x?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]'],
    ['/x?access%5Ftoken=SEKRIT&ID_TOKEN=SEKRIT', '/x?access%5Ftoken=[redacted]&ID_TOKEN=[redacted]'],
    ['/x?eyJhbGciOiJSUzI1NiJ9.SEKRIT&flag', '/x?[redacted]&[redacted]'],
    ['/x?secret_thing=SEKRIT&&a=b=c', '/x?[redacted]=[redacted]&&[redacted]=[redacted]'],
  ])('logs the URL %s as %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it('logs a request (Fastify\'s `req`) with its URL redacted', () => {
    const { lines, destination } = captureLog();
    createLogger({ level: 'info', destination }).info({ req: { method: 'GET', url: '/v1/uploads?access_token=SEKRIT9', ip: '10.0.0.1' } }, 'incoming request');
    const entry = JSON.parse(lines[0]!) as { req: Record<string, unknown> };
    expect(entry.req).toMatchObject({ method: 'GET', url: '/v1/uploads?access_token=[redacted]', remoteAddress: '10.0.0.1' });
    expect(lines.join('')).not.toContain('SEKRIT9');
  });
});
