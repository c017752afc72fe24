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
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=25'] as const;

/** Applies HEAP_FLAGS to this process; V8 reads both each time it sizes a space, so they take effect at once. */
export function limitHeapSlack(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
}
