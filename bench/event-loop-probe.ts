// Loaded with `--import` into a Dockside process: samples the event loop's delay for the whole
// run and prints its percentiles on exit (stderr, one JSON line). Used by bench/event-loop.ts to
// decide whether the engine may share the Electron main process's loop.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
process.on('exit', () => {
  histogram.disable();
  const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
  process.stderr.write(
    `EVENT_LOOP_DELAY ${JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), p999: ms(histogram.percentile(99.9)), max: ms(histogram.max), samples: histogram.count })}\n`,
  );
});
