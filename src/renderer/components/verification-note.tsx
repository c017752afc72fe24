/**
 * What verified an upload (or its copy), in words: one sentence, with the weak case (only sizes
 * compared) marked as a warning so that nobody mistakes it for checked.
 */
export function VerificationNote({ text, weak = false, label = '' }: { readonly text: string; readonly weak?: boolean; readonly label?: string }) {
  return (
    <p className={`verification${weak ? ' weak' : ''}`}>
      {weak && <strong>Warning: </strong>}
      {label}
      {text}.
    </p>
  );
}
