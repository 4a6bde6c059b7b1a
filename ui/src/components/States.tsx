import type { ApiError } from '../api.ts';

export function Loading(props: { label: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {props.label}
    </div>
  );
}

export function ErrorMessage(props: { error: ApiError; onRetry?: () => void; title?: string }) {
  return (
    <div class="error" role="alert">
      <p>
        <strong>{props.title ?? 'Something went wrong.'}</strong> {props.error.message}
      </p>
      {props.onRetry && (
        <button type="button" class="secondary" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
