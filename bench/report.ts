/** The bench's outputs: a table for the terminal and an SVG bar chart of throughput per tool. */

export interface ToolFigures {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly cpuSecondsPerGiB: number;
  /**
   * CPU seconds per GiB of the bench's own process meanwhile: the sink (it runs there) and the
   * RSS sampler. On a machine with few cores the tool and the sink share them, so this is what the
   * tool leaves the server to work with.
   */
  readonly sinkCpuSecondsPerGiB: number;
  readonly peakRssMiB: number;
  readonly throughputMiBs: number;
  readonly exitCode: number;
}

export interface Row {
  readonly tool: string;
  readonly variant: string;
  readonly transport: string;
  readonly figures: ToolFigures | null;
  /** The physical limit for this row's transport (and file). */
  readonly limitMiBs: number;
  readonly note?: string;
}

/** A fixed-width table, one row per tool run. */
export function table(rows: readonly Row[]): string {
  const header = ['tool', 'variant', 'transport', 'wall s', 'MiB/s', '% of limit', 'CPU s/GiB', 'sink CPU s/GiB', 'peak RSS MiB'];
  const body = rows.map((r) =>
    r.figures
      ? [
          r.tool,
          r.variant,
          r.transport,
          r.figures.wallSeconds.toFixed(2),
          r.figures.throughputMiBs.toFixed(0),
          `${((r.figures.throughputMiBs / r.limitMiBs) * 100).toFixed(0)} %`,
          r.figures.cpuSecondsPerGiB.toFixed(2),
          r.figures.sinkCpuSecondsPerGiB.toFixed(2),
          r.figures.peakRssMiB.toFixed(0),
        ]
      : [r.tool, r.variant, r.transport, '-', '-', '-', '-', '-', r.note ?? 'skipped'],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function escape(text: string): string {
  return text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Horizontal bars of MiB/s per tool run of one transport, with its physical limit as a dashed line. */
export function chartSvg(rows: readonly Row[], title: string): string {
  const shown = rows.filter((r) => r.figures !== null);
  const limitMiBs = shown[0]?.limitMiBs ?? 0;
  const barHeight = 22;
  const gap = 8;
  const left = 230;
  const width = 760;
  const plot = width - left - 70;
  const top = 48;
  const max = Math.max(limitMiBs, ...shown.map((r) => r.figures!.throughputMiBs)) * 1.05;
  const height = top + shown.length * (barHeight + gap) + 40;
  const x = (v: number) => left + (v / max) * plot;
  const bars = shown
    .map((r, i) => {
      const y = top + i * (barHeight + gap);
      const v = r.figures!.throughputMiBs;
      const colour = r.tool === 'dockside' ? '#1f6feb' : '#8b949e';
      return [
        `<text x="${left - 8}" y="${y + barHeight * 0.7}" text-anchor="end" font-size="13">${escape(`${r.tool} (${r.variant}, ${r.transport})`)}</text>`,
        `<rect x="${left}" y="${y}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
        `<text x="${(x(v) + 6).toFixed(1)}" y="${y + barHeight * 0.7}" font-size="12">${v.toFixed(0)} MiB/s</text>`,
      ].join('');
    })
    .join('\n');
  const lx = x(limitMiBs).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>
${bars}
<line x1="${lx}" y1="${top - 6}" x2="${lx}" y2="${height - 30}" stroke="#d1242f" stroke-dasharray="5,4"/>
<text x="${lx}" y="${height - 14}" text-anchor="middle" font-size="12" fill="#d1242f">physical limit ${limitMiBs.toFixed(0)} MiB/s</text>
</svg>
`;
}
