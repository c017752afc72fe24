// The V8 settings the upload processes apply at start (engine/heap-tuning.ts), checked for effect:
// after limitHeapSlack, new space does not grow however much survives minor GCs, and full GCs are
// memory-reducing ones (V8's --trace-gc marks them "(reduce)").
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEAP_FLAGS } from '../../../src/main/engine/heap-tuning.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Runs `body` in a child node (after limitHeapSlack when `tuned`) and returns its stdout. */
function runChild(body: string, tuned: boolean, nodeFlags: readonly string[] = []): string {
  const script = `
    ${tuned ? "const { limitHeapSlack } = await import('./src/main/engine/heap-tuning.ts'); limitHeapSlack();" : ''}
    ${body}
  `;
  const run = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).not.toMatch(/unrecognized flag/);
  return run.stdout;
}

/** Keeps many objects alive across minor GCs; new space's final size in MiB. */
function newSpaceAfterChurn(tuned: boolean): number {
  const body = `
    const v8 = await import('node:v8');
    let keep = [];
    for (let i = 0; i < 400000; i++) { keep.push({ i, s: 'x'.repeat(20) + i }); if (keep.length > 100000) keep = keep.slice(50000); }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(space.space_size / 1048576);
  `;
  return Number(runChild(body, tuned).trim());
}

/** Promotes garbage to old space until V8 runs full GCs; its --trace-gc lines for them. */
function fullGcsAfterChurn(tuned: boolean): string[] {
  const body = `
    const ring = new Array(20000);
    for (let i = 0; i < 1500000; i++) ring[i % ring.length] = { i, s: 'x'.repeat(30) + i };
  `;
  return runChild(body, tuned, ['--trace-gc'])
    .split('\n')
    .filter((line) => line.includes('Mark-Compact'));
}

describe('heap tuning', () => {
  it('names flags V8 knows (V8 would print "unrecognized flag" otherwise)', () => {
    expect(HEAP_FLAGS).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=25', '--optimize-for-size']);
  });

  it('keeps new space at its starting size where V8 would grow it', () => {
    const untuned = newSpaceAfterChurn(false);
    const tuned = newSpaceAfterChurn(true);
    expect(tuned).toBeLessThan(untuned);
  });

  it('makes full GCs give memory back (memory-reducing mode) where V8 would keep emptied pages', () => {
    const untuned = fullGcsAfterChurn(false);
    const tuned = fullGcsAfterChurn(true);
    expect(untuned.length).toBeGreaterThan(0);
    expect(tuned.length).toBeGreaterThan(0);
    expect(untuned.filter((line) => line.includes('(reduce)'))).toEqual([]);
    expect(tuned.every((line) => line.includes('(reduce)'))).toBe(true);
  });
});
