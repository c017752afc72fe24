// The page's Content-Security-Policy is strict, and nothing in the renderer needs it loosened:
// no inline script or style in index.html, no `style` props or raw HTML in the components.
import { describe, expect, it } from 'vitest';
import html from '../../src/renderer/index.html?raw';

const sources = import.meta.glob<string>('../../src/renderer/**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true });

function csp(): Map<string, string[]> {
  const content = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  if (content === undefined) throw new Error('index.html has no Content-Security-Policy meta');
  return new Map(
    content
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== '')
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('Content-Security-Policy', () => {
  it.each([
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['frame-src', ["'none'"]],
  ])('%s is %j', (directive, values) => {
    expect(csp().get(directive)).toEqual(values);
  });

  it('allows nothing unsafe and nothing remote', () => {
    const all = [...csp().values()].flat();
    expect(all.filter((value) => /unsafe|\*|https?:|wss?:/.test(value))).toEqual([]);
  });

  it('index.html has no inline script or style', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=/);
  });

  it('no component sets inline styles or raw HTML', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    for (const [file, text] of Object.entries(sources)) {
      expect(text, file).not.toMatch(/\bstyle=\{|dangerouslySetInnerHTML|\.innerHTML\b|\beval\(|new Function\(/);
    }
  });
});
