import { describe, expect, it } from 'vitest';
import { dockKeyFor, FileNameError, MAX_FILE_NAME_BYTES, sanitiseFileName } from '../../../backend/src/domain/key-naming.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('sanitiseFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['Quarterly report (final).mov', 'Quarterly_report_(final).mov'],
    ['C:\\Users\\ana\\Desktop\\scan.tiff', 'scan.tiff'],
    ['/home/ana/../../etc/passwd', 'passwd'],
    ['mixed/and\\slashes\\file.txt', 'file.txt'],
    ['../../secret.txt', 'secret.txt'],
    ['a***b???.bin', 'a_b_.bin'], // IAM wildcards never reach the session policy
    ['${aws:username}.txt', '_aws_username_.txt'], // nor do policy variables
    ['  .hidden file. ', 'hidden_file'],
    ['...dots...', 'dots'],
    ['tab\there\nnew\u0000line', 'tabherenewline'],
    ['zero\u200Bwidth and \u202Eexe.txt', 'zerowidth_and_exe.txt'], // bidi override dropped
    ['Übersicht_Ärzte.docx', 'Übersicht_Ärzte.docx'], // Latin-1 letters kept
    ['U\u0308bersicht.docx', 'Übersicht.docx'], // NFD input composed to the same name
    ['報告書.pdf', '_.pdf'], // outside the policy-safe range
    ['a__b___c', 'a_b_c'],
    ['#%&{}<>"|^`~;=+,@!\'.txt', '_.txt'],
    ['-dash_start.tar.gz', '-dash_start.tar.gz'],
  ])('%j → %j', (input, expected) => {
    expect(sanitiseFileName(input)).toBe(expected);
  });

  it.each(['', '.', '..', '...', '   ', 'dir/', 'C:\\dir\\', '\u0000\u0001', '\u200B\u200E', ' . . '])('refuses %j as INVALID_FILE_NAME', (input) => {
    let error: unknown;
    try {
      sanitiseFileName(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FileNameError);
    expect((error as FileNameError).code).toBe('INVALID_FILE_NAME');
    expect((error as FileNameError).message).toMatch(/no usable characters/);
  });

  it('caps long names at 200 UTF-8 bytes and keeps the extension', () => {
    const name = sanitiseFileName(`${'a'.repeat(500)}.mov`);
    expect(bytes(name)).toBe(MAX_FILE_NAME_BYTES);
    expect(name.endsWith('.mov')).toBe(true);
  });

  it('cuts two-byte letters whole, never half a character', () => {
    const name = sanitiseFileName(`${'é'.repeat(150)}.txt`);
    expect(bytes(name)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(name).toBe(`${'é'.repeat(98)}.txt`);
    expect(name).not.toContain('\uFFFD');
  });

  it('treats an absurdly long "extension" as part of the name', () => {
    const name = sanitiseFileName(`x.${'y'.repeat(300)}`);
    expect(bytes(name)).toBe(MAX_FILE_NAME_BYTES);
    expect(name.startsWith('x.yyy')).toBe(true);
  });

  it('never leaves trailing dots or spaces after truncation', () => {
    const name = sanitiseFileName(`${'a'.repeat(195)}.....${'b'.repeat(50)}.......zip`);
    expect(name).not.toMatch(/\.\.zip$|[. ]$/);
    expect(bytes(name)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
  });

  it('only ever produces characters from the safe set, whatever the input', () => {
    const samples = ['∑∫∂', 'a/b/c/🎉party🎉.mp4', '\uD800lonely.txt', 'x'.repeat(2000), 'CON.txt', 'a:b.txt', 'a%2Fb'];
    for (const s of samples) {
      try {
        const name = sanitiseFileName(s);
        expect(name).toMatch(/^[A-Za-z0-9\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF._()-]+$/);
        expect(bytes(name)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
      } catch (e) {
        expect(e).toBeInstanceOf(FileNameError);
      }
    }
  });
});

describe('dockKeyFor', () => {
  it('puts the upload under uploads/<id>/ with the sanitised name', () => {
    expect(dockKeyFor('01ARYZ6S410000000000000000', 'C:\\tmp\\My Film.mov')).toBe('uploads/01ARYZ6S410000000000000000/My_Film.mov');
  });
});
