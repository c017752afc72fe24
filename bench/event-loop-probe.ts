// Loaded with `--import` into a Dockside process: samples the event loop's delay for the whole
// run and prints its percentiles on exit (stderr, one JSON line). Used by bench/event-loop.ts to
// decide whether the engine may share the Electron main process's loop.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
// Start-up (loading modules, opening the journal) is not what the window would feel during an
// upload: the histogram restarts after EVENT_LOOP_SKIP_MS (default 3 s); `startup` keeps the max before.
let startupMax = 0;
setTimeout(() => {
  startupMax = histogram.max;
  histogram.reset();
}, Number(process.env.EVENT_LOOP_SKIP_MS ?? 3000)).unref();
process.on('exit', () => {
  histogram.disable();
  const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
  process.stderr.write(
    `EVENT_LOOP_DELAY ${JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), p999: ms(histogram.percentile(99.9)), max: ms(histogram.max), startupMax: ms(startupMax), samples: histogram.count })}\n`,
  );
});

// EVENT_LOOP_TRACE=1: also print each stall over 50 ms with its time since start (to find its cause).
if (process.env.EVENT_LOOP_TRACE === '1') {
  const start = performance.now();
  let last = start;
  setInterval(() => {
    const now = performance.now();
    if (now - last > 60) process.stderr.write(`STALL ${(now - last - 10).toFixed(0)} ms at ${((now - start) / 1000).toFixed(2)} s\n`);
    last = now;
  }, 10).unref();
}
