/**
 * How much room V8 gives its heap in the processes that run uploads (the CLI and the desktop
 * app's main process; both call limitHeapSlack once at start).
 *
 * Why: an upload's live JS heap is small (~15 MiB) and steady, but V8 sized the heap to the
 * upload's run time, not to what it needed: peak RSS was 135 MiB for a 1 GiB file and 163 MiB
 * for 16 GiB (sparse, same machine, same run), and it grew for the first ~15 s of every upload.
 * Two of V8's own settings did that, each measured with V8's heap-space statistics:
 *  - new space doubled from 16 to 32 MiB a few seconds in (V8 grows it when many objects survive
 *    minor GCs; the SDK's per-request objects live as long as their part does). Here it stays at
 *    its initial size: --semi-space-growth-factor=1.
 *  - old space gathered ~25 MiB of promoted garbage before V8's first full GC. Here it may grow
 *    by 25 % over what is live before a full GC: --heap-growing-percent=25.
 * Cost, measured on 4 GiB uploads over TLS (3 runs each way): no change in CPU or wall time; V8
 * did 2 full GCs in the whole upload (--trace-gc), each a few milliseconds on a heap this small. This relies on the part
 * buffers being reused (chunk-pool.ts): with a fresh Buffer per chunk, V8 collected for
 * "external memory pressure" every ~60 ms and the tighter old space cost 30 % more CPU.
 *
 * Even so, RSS still grew with the upload's length: 104 MiB at 1 GiB, 116 MiB at 16 GiB (sparse
 * files, plain HTTP to the bench's sink, 16 MiB parts x 8; +11 %). A 1 GiB upload ends before V8's
 * first full GC; a long one settles into a saw-tooth whose top is what is live (~23 MB) plus V8's
 * minimum growing step (8 MB, more than the 25 % above), and full GCs kept the pages they had
 * emptied (committed heap 34 -> 40 MB while live stayed 22-23 MB). The third flag,
 * --optimize-for-size, set here at run time, makes each full GC a memory-reducing one (--trace-gc
 * marks them "(reduce)": they compact and give emptied pages back) and keeps new space small.
 * Measured (same machine, alternated runs): 102 MiB at 1 GiB, 108-110 MiB at 16 GiB (+6 to +8 %,
 * 4 pairs); on 4 GiB over TLS, CPU and wall time within run-to-run noise (6 alternated runs each,
 * means 6.1 s vs 6.0 s of CPU); V8 did 800 minor GCs instead of 211 over 16 GiB, 0.4 s instead of
 * 0.2 s of main-thread time in all. Set as a start-up flag instead, it also shrinks V8's initial
 * sizes and cost more CPU; set here, it changes only how the heap grows from now on.
 * What remains of the growth is mostly native: glibc keeps the arenas of V8's background compiler
 * threads at their high-water mark (~1 MiB each). `node --no-concurrent-recompilation` removes
 * that too (+2.5 % measured) but works only on node's command line, not from here, and neither a
 * portable `#!` line nor Electron's main process can carry it; so it is not used.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=25', '--optimize-for-size'] as const;

/** Applies HEAP_FLAGS to this process; V8 reads them each time it sizes a space or ends a GC, so they take effect at once. */
export function limitHeapSlack(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
}
