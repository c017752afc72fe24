/**
 * The throughput chart's data: for each transfer, the speeds main reported over the recent minutes
 * (one sample per snapshot), and the chart's geometry. Pure; kept in the Uploads view's state.
 */
import type { TransferView } from '../../shared/ipc-contract.js';
import { formatRate } from '../../shared/units.js';

export interface ThroughputSample {
  /** Epoch milliseconds (the snapshot's `updatedAt`). */
  readonly at: number;
  readonly bytesPerSecond: number;
}

export type ThroughputHistory = ReadonlyMap<string, readonly ThroughputSample[]>;

/** How far back the chart looks. */
export const THROUGHPUT_WINDOW_MS = 5 * 60_000;

/**
 * Adds one sample per transfer snapshot that is newer than the last one held (a transfer that is
 * not running counts as 0 B/s), and forgets samples older than the window.
 */
export function recordThroughput(
  history: ThroughputHistory,
  transfers: readonly TransferView[],
  windowMs: number = THROUGHPUT_WINDOW_MS,
): ThroughputHistory {
  let next: Map<string, readonly ThroughputSample[]> | null = null;
  for (const transfer of transfers) {
    const held = (next ?? history).get(transfer.id) ?? [];
    const last = held[held.length - 1];
    if (last !== undefined && transfer.updatedAt <= last.at) continue;
    const sample = { at: transfer.updatedAt, bytesPerSecond: transfer.state === 'running' ? transfer.bytesPerSecond : 0 };
    next ??= new Map(history);
    next.set(transfer.id, [...held.filter((s) => s.at >= sample.at - windowMs), sample]);
  }
  return next ?? history;
}

export interface ChartGeometry {
  /** SVG polyline points, "x,y x,y …", in a width × height box with y growing downwards. */
  readonly points: string;
  readonly peak: number;
  readonly latest: number;
  /** For screen readers: what the chart shows, in words. */
  readonly description: string;
}

/** Lays the samples out over the window ending at the newest one; the top of the box is the peak. */
export function chartGeometry(
  samples: readonly ThroughputSample[],
  width: number,
  height: number,
  windowMs: number = THROUGHPUT_WINDOW_MS,
): ChartGeometry {
  const last = samples[samples.length - 1];
  if (last === undefined) return { points: '', peak: 0, latest: 0, description: 'No speed measured yet.' };
  const start = last.at - windowMs;
  const shown = samples.filter((s) => s.at >= start);
  const peak = Math.max(...shown.map((s) => s.bytesPerSecond));
  const round = (n: number) => Math.round(n * 10) / 10;
  const points = shown
    .map((s) => `${round(((s.at - start) / windowMs) * width)},${round(peak > 0 ? height - (s.bytesPerSecond / peak) * height : height)}`)
    .join(' ');
  const minutes = Math.round(windowMs / 60_000);
  return {
    points,
    peak,
    latest: last.bytesPerSecond,
    description: `Speed over the last ${minutes} min: now ${formatRate(last.bytesPerSecond)}, peak ${formatRate(peak)}.`,
  };
}
