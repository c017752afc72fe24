/** A small line chart of one transfer's speed over the recent minutes (SVG; no inline styles). */
import { formatRate } from '../../shared/units.js';
import { chartGeometry, type ThroughputSample } from './throughput.js';

const WIDTH = 600;
const HEIGHT = 120;

export function ThroughputChart({ fileName, samples }: { readonly fileName: string; readonly samples: readonly ThroughputSample[] }) {
  const chart = chartGeometry(samples, WIDTH, HEIGHT);
  return (
    <figure className="throughput">
      <figcaption>
        Speed of {fileName}: {formatRate(chart.latest)} now, peak {formatRate(chart.peak)}
      </figcaption>
      <svg
        className="throughput-chart"
        role="img"
        aria-label={`${fileName}. ${chart.description}`}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
      >
        <line className="throughput-axis" x1={0} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} />
        {chart.points !== '' && <polyline className="throughput-line" points={chart.points} />}
      </svg>
    </figure>
  );
}
