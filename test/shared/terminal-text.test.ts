import { describe, expect, it } from 'vitest';
import { jsonText, visible, visibleLines, visibly } from '../../src/shared/terminal-text.js';

const CLEAR = '\u001b[2J';
const TITLE = '\u001b]0;pwned\u0007';

describe('visible', () => {
  it('shows ESC sequences (clear screen, OSC title) as text', () => {
    expect(visible(`a${CLEAR}b${TITLE}c`)).toBe('a\\e[2Jb\\e]0;pwned\\x07c');
  });

  it('escapes every C0 control, DEL and every C1 control, and nothing else of Latin-1', () => {
    for (let code = 0; code <= 0xff; code++) {
      const ch = String.fromCharCode(code);
      const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
      expect(visible(ch) !== ch, `U+${code.toString(16).padStart(4, '0')}`).toBe(control);
      // The escape itself is printable ASCII.
      expect(visible(ch)).toMatch(/^[\x20-\x7e\u00a0-\u00ff]+$/);
    }
    expect(visible('\n\r\t\u0000\u007f\u009b')).toBe('\\n\\r\\t\\x00\\x7f\\x9b');
  });

  it('escapes bidi embeddings, overrides and isolates and the Unicode line separators', () => {
    expect(visible('invoice\u202Efdp.exe')).toBe('invoice\\u202efdp.exe');
    for (const ch of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u2028', '\u2029']) {
      expect(visible(ch)).toBe(`\\u${ch.charCodeAt(0).toString(16)}`);
    }
  });

  it('leaves ordinary text alone: accents, other scripts, emoji, backslashes of Windows paths', () => {
    const text = 'C:\\Users\\Zoë\\Видео\\東京 🎬 take-01 (final).mov → s3://b/k';
    expect(visible(text)).toBe(text);
  });
});

describe('visibleLines and visibly', () => {
  it('visibleLines keeps line breaks and escapes the rest', () => {
    expect(visibleLines(`one${CLEAR}\ntwo\r`)).toBe('one\\e[2J\ntwo\\r');
  });

  it('visibly escapes the values, not the template', () => {
    const name = `x\n${TITLE}.bin`;
    expect(visibly`✓ ${name} → ${42}\n`).toBe('✓ x\\n\\e]0;pwned\\x07.bin → 42\n');
  });
});

describe('jsonText', () => {
  it('is JSON that parses back to the same value, with no character a terminal would obey left raw', () => {
    const value = { name: `a${CLEAR}${TITLE}\u009b\u007f\u202e\u2028z`, n: [1, 'é'] };
    const text = jsonText(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    // eslint-disable-next-line no-control-regex -- checking for control characters is the point
    expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    // JSON.stringify alone leaves DEL, C1 and bidi controls raw: the reason jsonText exists.
    expect(JSON.stringify(value)).toContain('\u009b');
  });

  it('writes null for undefined, as a JSON document must be something', () => {
    expect(jsonText(undefined)).toBe('null');
  });
});
