/**
 * Incremental decoder for S3's `Content-Encoding: aws-chunked` bodies, all variants:
 *
 *   STREAMING-UNSIGNED-PAYLOAD-TRAILER        <hex>\r\n<data>\r\n ... 0\r\n<trailers>\r\n
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD        <hex>;chunk-signature=<sig>\r\n<data>\r\n ... 0;chunk-signature=<sig>\r\n\r\n
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  the same, then trailers and x-amz-trailer-signature
 *
 * Signatures are not verified. Data is handed out as subarrays of the input (no copies), so the
 * caller can hash it and drop it; framing may be split anywhere across input chunks.
 */

const CR = 0x0d;
const LF = 0x0a;
/** A chunk header or trailer line longer than this is not aws-chunked framing. */
const MAX_LINE = 8 * 1024;

const enum State {
  Header,
  Data,
  DataEnd,
  Trailer,
  Done,
}

export class AwsChunkedError extends Error {}

export class AwsChunkedDecoder {
  private state = State.Header;
  private line = '';
  /** The previous input ended on a CR (line framing split between two chunks). */
  private pendingCr = false;
  private remaining = 0;
  /** Bytes of the CRLF after a chunk's data still to be seen. */
  private crlfLeft = 0;
  /** Trailer headers, lower-case names (x-amz-checksum-crc32, x-amz-trailer-signature, ...). */
  readonly trailers = new Map<string, string>();
  decodedLength = 0;

  /** Feeds one piece of the body; `onData` gets each run of payload bytes. */
  push(input: Buffer, onData: (data: Buffer) => void): void {
    let i = 0;
    const n = input.length;
    while (i < n) {
      switch (this.state) {
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          onData(i === 0 && take === n ? input : input.subarray(i, i + take));
          this.decodedLength += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) {
            this.state = State.DataEnd;
            this.crlfLeft = 2;
          }
          break;
        }
        case State.DataEnd: {
          const expected = this.crlfLeft === 2 ? CR : LF;
          if (input[i] !== expected) throw new AwsChunkedError('chunk data is not followed by CRLF');
          i++;
          if (--this.crlfLeft === 0) this.state = State.Header;
          break;
        }
        case State.Header:
        case State.Trailer: {
          const end = this.readLine(input, i);
          if (end < 0) return; // the rest of the line arrives with the next input
          i = end;
          const line = this.line;
          this.line = '';
          if (this.state === State.Header) this.onHeaderLine(line);
          else this.onTrailerLine(line);
          break;
        }
        case State.Done:
          // Some clients add a stray CRLF at the very end; anything else is an error.
          if (input[i] === CR || input[i] === LF) {
            i++;
            break;
          }
          throw new AwsChunkedError('data after the final aws-chunked chunk');
      }
    }
  }

  /** Call at end of body: throws when the framing did not end properly. */
  finish(): void {
    // A missing final empty line after the last chunk (no trailers) is tolerated.
    if (this.state === State.Done) return;
    if (this.state === State.Trailer && this.line === '' && !this.pendingCr) return;
    throw new AwsChunkedError('aws-chunked body ended in the middle of a chunk');
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Appends bytes up to CRLF to this.line; returns the index after the LF, or -1 if none yet. */
  private readLine(input: Buffer, start: number): number {
    let i = start;
    if (this.pendingCr) {
      if (input[i] !== LF) throw new AwsChunkedError('bare CR in aws-chunked framing');
      this.pendingCr = false;
      return i + 1;
    }
    const lf = input.indexOf(LF, i);
    const stop = lf < 0 ? input.length : lf;
    if (lf < 0 && input[stop - 1] === CR) {
      this.line += input.toString('latin1', i, stop - 1);
      this.pendingCr = true;
      i = input.length;
    } else if (lf >= 0) {
      if (lf === start || input[lf - 1] !== CR) {
        // LF without CR (or CR at the end of the previous input, handled above).
        throw new AwsChunkedError('bare LF in aws-chunked framing');
      }
      this.line += input.toString('latin1', i, lf - 1);
    } else {
      this.line += input.toString('latin1', i, stop);
    }
    if (this.line.length > MAX_LINE) throw new AwsChunkedError('aws-chunked line too long');
    // No LF yet (possibly a CR as the last byte): the line continues in the next input.
    return lf < 0 ? -1 : lf + 1;
  }

  private onHeaderLine(line: string): void {
    const semi = line.indexOf(';');
    const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) throw new AwsChunkedError(`bad aws-chunked chunk header "${line.slice(0, 80)}"`);
    const size = parseInt(hex, 16);
    if (size === 0) {
      this.state = State.Trailer;
    } else {
      this.remaining = size;
      this.state = State.Data;
    }
  }

  private onTrailerLine(line: string): void {
    if (line === '') {
      this.state = State.Done;
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new AwsChunkedError(`bad aws-chunked trailer "${line.slice(0, 80)}"`);
    this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}
