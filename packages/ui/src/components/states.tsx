/** Loading, empty and error states: every page shows one of these instead of a blank area. */
import type { ComponentChildren } from 'preact';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite" data-testid="loading">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty" data-testid="empty">
      <strong>{title}</strong>
      {children && <div class="muted">{children}</div>}
    </div>
  );
}

export function ErrorView({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  return (
    <div class="state state-error" role="alert" data-testid="error">
      <strong>Something went wrong</strong>
      <div>{error.message}</div>
      {onRetry && (
        <button type="button" class="btn" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
