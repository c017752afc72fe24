// The sink's aws-chunked decoder: every framing variant, split anywhere across input chunks.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder, AwsChunkedError } from '../../bench/sink/aws-chunked.js';

const SIG = 'a'.repeat(64);

/** Encodes `data` as aws-chunked with the given chunk size and optional signatures and trailers. */
function encode(data: Buffer, chunkSize: number, opts: { signed?: boolean; trailers?: [string, string][] } = {}): Buffer {
  const ext = opts.signed ? `;chunk-signature=${SIG}` : '';
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    const chunk = data.subarray(i, i + chunkSize);
    pieces.push(Buffer.from(`${chunk.length.toString(16)}${ext}\r\n`), chunk, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`0${ext}\r\n`));
  for (const [name, value] of opts.trailers ?? []) pieces.push(Buffer.from(`${name}:${value}\r\n`));
  if (opts.signed && opts.trailers?.length) pieces.push(Buffer.from(`x-amz-trailer-signature:${SIG}\r\n`));
  pieces.push(Buffer.from('\r\n'));
  return Buffer.concat(pieces);
}

/** Feeds `body` in pieces of `step` bytes; returns the decoded payload and the decoder. */
function decode(body: Buffer, step: number): { data: Buffer; decoder: AwsChunkedDecoder } {
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += step) decoder.push(body.subarray(i, i + step), (d) => out.push(Buffer.from(d)));
  decoder.finish();
  return { data: Buffer.concat(out), decoder };
}

describe('AwsChunkedDecoder', () => {
  const payload = randomBytes(70_000);

  for (const variant of [
    { name: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', signed: false, trailers: [['x-amz-checksum-crc32', 'AAAAAA==']] as [string, string][] },
    { name: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', signed: true, trailers: [] as [string, string][] },
    { name: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', signed: true, trailers: [['x-amz-checksum-crc32', 'AAAAAA==']] as [string, string][] },
  ]) {
    it(`decodes ${variant.name}, whatever the input split`, () => {
      const body = encode(payload, 8192, variant);
      for (const step of [1, 2, 3, 7, 1000, 8192, 8195, body.length]) {
        const { data, decoder } = decode(body, step);
        expect(data.equals(payload), `step ${step}`).toBe(true);
        expect(decoder.decodedLength).toBe(payload.length);
        expect(decoder.done).toBe(true);
        expect(decoder.trailers.get('x-amz-checksum-crc32')).toBe(variant.trailers.length ? 'AAAAAA==' : undefined);
      }
    });
  }

  it('accepts an empty payload and a body that stops right after the final chunk header', () => {
    expect(decode(Buffer.from('0\r\n\r\n'), 1).data.length).toBe(0);
    expect(decode(Buffer.from('0\r\n'), 1).data.length).toBe(0);
  });

  it('refuses broken framing', () => {
    expect(() => decode(Buffer.from('zz\r\nabc\r\n0\r\n\r\n'), 4)).toThrow(AwsChunkedError);
    expect(() => decode(Buffer.from('3\r\nabcX\r\n0\r\n\r\n'), 4)).toThrow(AwsChunkedError);
    expect(() => decode(Buffer.from('3\nabc\r\n0\r\n\r\n'), 4)).toThrow(AwsChunkedError);
    expect(() => decode(Buffer.from('5\r\nabc'), 4)).toThrow(AwsChunkedError); // ends mid-chunk
    expect(() => decode(Buffer.from('0\r\n\r\nextra'), 4)).toThrow(AwsChunkedError);
  });
});
