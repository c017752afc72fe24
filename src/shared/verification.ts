/** What verified an upload, in words for people (the CLI, the app, the log). */
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
