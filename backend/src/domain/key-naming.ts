/**
 * Dock object keys. The server chooses every key, `uploads/<ULID>/<sanitised file name>`, so a
 * client can never aim at a path of its choosing, and the key stays usable in every place it ends
 * up: an S3 URL, an S3 event (URL-encoded), a shell, a Windows download, and above all the
 * `Resource` of the STS session policy, whose plain text STS accepts only in U+0020–U+00FF and
 * where `*`, `?` and `${…}` would be wildcards or policy variables.
 */

export const DOCK_KEY_PREFIX = 'uploads/';
/** Cap on the sanitised name, in UTF-8 bytes (S3 allows 1024 for the whole key). */
export const MAX_FILE_NAME_BYTES = 200;
/** An extension longer than this is treated as part of the name when truncating. */
const MAX_EXTENSION_BYTES = 32;

export class FileNameError extends Error {
  override readonly name = 'FileNameError';
  readonly code = 'INVALID_FILE_NAME' as const;
  readonly retryable = false;
}

// Latin-1 letters (À–ÿ without × and ÷) are kept: they cover the staff's own languages for
// Western European firms and stay inside the character range STS accepts for a session policy.
// Everything else (other scripts, punctuation, spaces, wildcards) becomes `_`; the original name
// is kept in the upload record for display.
const UNSAFE = /[^A-Za-z0-9\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF._()-]/gu;
// Control (Cc) and format (Cf: zero-width, bidi overrides that can disguise an extension) are
// dropped rather than replaced, so `a\u200Bb` reads as `ab`.
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Longest prefix of `s` (whole code points) that fits in `maxBytes` of UTF-8. */
function truncateUtf8(s: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

const trimDotsAndSpaces = (s: string): string => s.replace(/^[.\s]+|[.\s]+$/gu, '');

/**
 * Makes a client-supplied file name safe for a dock key (see the module comment), or throws
 * FileNameError when nothing usable is left.
 */
export function sanitiseFileName(fileName: string): string {
  // Only the base name: a client's folders are not ours to reproduce.
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  // Trimmed before and after replacement: spaces at the ends are dropped, not turned into `_`.
  let name = trimDotsAndSpaces(base.normalize('NFC').replace(INVISIBLE, ''));
  name = trimDotsAndSpaces(name.replace(UNSAFE, '_').replace(/_{2,}/g, '_'));

  if (utf8Length(name) > MAX_FILE_NAME_BYTES) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 ? name.slice(dot) : '';
    if (extension !== '' && utf8Length(extension) <= MAX_EXTENSION_BYTES) {
      const stem = trimDotsAndSpaces(truncateUtf8(name.slice(0, dot), MAX_FILE_NAME_BYTES - utf8Length(extension)));
      name = stem + extension;
    } else {
      name = trimDotsAndSpaces(truncateUtf8(name, MAX_FILE_NAME_BYTES));
    }
  }

  if (name === '' || name === '.' || name === '..') {
    throw new FileNameError(`The file name ${JSON.stringify(fileName.slice(0, 100))} has no usable characters; rename the file and try again.`);
  }
  return name;
}

/** The dock key for an upload: `uploads/<id>/<sanitised file name>`. */
export function dockKeyFor(uploadId: string, fileName: string): string {
  return `${DOCK_KEY_PREFIX}${uploadId}/${sanitiseFileName(fileName)}`;
}
