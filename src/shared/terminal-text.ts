/**
 * Text that others control (file names, keys, paths, servers' error messages, log messages) made
 * safe to print on a terminal: every character a terminal would obey instead of show is written
 * as a visible escape. ESC[2J would clear the screen and OSC 0 would set the window title; a
 * newline would start a line that looks like Dockside's own; a bidi override would show
 * "exe.pdf" for "fdp.exe". Escaped: C0 controls (newline and tab too), DEL, C1 controls
 * (U+0080–U+009F: U+009B is CSI on many terminals), the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) and the Unicode line and paragraph separators.
 *
 * A backslash is left as it is, so Windows paths stay readable; the escapes are for reading,
 * not for round-tripping.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The subset JSON.stringify leaves raw (it escapes only U+0000–U+001F): DEL, C1, bidi, separators.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character shown as an escape (\e, \n, \x9b, \u202e), never obeyed. */
export function visible(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** Like `visible`, line by line: for text whose own line breaks are meant (a stack, commander's messages). */
export function visibleLines(text: string): string {
  return text.split('\n').map(visible).join('\n');
}

/**
 * Tagged template for lines of human output: the template's own text as written, every
 * interpolated value through `visible`. `visibly\`✓ ${path}\n\`` keeps its newline, not the path's.
 */
export function visibly(strings: TemplateStringsArray, ...values: readonly unknown[]): string {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += visible(String(value)) + strings[i + 1]!;
  });
  return out;
}

/**
 * JSON.stringify for output people may see on a terminal: still JSON that parses to the same
 * value, with the characters JSON.stringify leaves raw written as \u escapes too.
 */
export function jsonText(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(RAW_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
