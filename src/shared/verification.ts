/** What verified an upload, in words for people (the CLI, the app, the log). */
import type { CopyVerification } from './backend-api.js';
import type { Verification } from './transfer-model.js';

/** One clause: what checked the object's bytes. */
export function describeVerification(verification: Verification, fileReread: boolean): string {
  const base = ((): string => {
    switch (verification) {
      case 'server-checksum':
        return 'verified by the server, which checked the CRC32 of every part and of the whole object';
      case 'part-checksums':
        return "verified part by part by the server's CRC32 checks (it reported no checksum for the whole object)";
      case 'content-md5':
        return "verified part by part by the server's Content-MD5 checks (it checks no CRC32)";
      case 'size-only':
        return 'not verified by the server, which checks no checksum: only sizes were compared';
    }
  })();
  return fileReread ? `${base}; the file was read again in full after sending and matched` : base;
}

/** A short label for tables: `ls`, the history view. */
export function verificationLabel(verification: Verification, fileReread: boolean): string {
  const base = { 'server-checksum': 'CRC32 by server', 'part-checksums': 'part CRC32s by server', 'content-md5': 'part MD5s by server', 'size-only': 'size only' }[
    verification
  ];
  return fileReread ? `${base} + file re-read` : base;
}

/** A clause above as a sentence's start (rows and History show them as sentences). */
export function asSentence(clause: string): string {
  return clause.charAt(0).toUpperCase() + clause.slice(1);
}

/** Whether an upload's verification is the weak kind a person should be shown a warning for. */
export function isWeakVerification(verification: Verification, fileReread: boolean): boolean {
  return verification === 'size-only' && !fileReread;
}

/** What the backend checked of the permanent copy, in words; `undefined` from a backend that does not say. */
export function describeCopyVerification(verifiedBy: CopyVerification | undefined): string {
  switch (verifiedBy) {
    case 'copy-crc32':
      return "the permanent copy's size and CRC32, as the storage reports them, equal the uploaded object's";
    case undefined:
      return 'the backend did not say how it checked the permanent copy';
  }
}
