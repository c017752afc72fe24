/**
 * A progress bar people and screen readers can read: a native <progress> (styled in styles.css, so
 * no inline style is needed under the CSP) with explicit progressbar ARIA values.
 */
export function ProgressBar({ label, percent, valueText }: { readonly label: string; readonly percent: number; readonly valueText: string }) {
  return (
    <progress
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={valueText}
      max={100}
      value={percent}
    />
  );
}
