/** A dismissable error message, announced to screen readers as it appears. */
export function ErrorBanner({ message, onDismiss }: { readonly message: string | null; readonly onDismiss: () => void }) {
  if (message === null) return null;
  return (
    <div className="error-banner" role="alert">
      <span>{message}</span>
      <button type="button" onClick={onDismiss} aria-label="Dismiss error">
        Dismiss
      </button>
    </div>
  );
}
