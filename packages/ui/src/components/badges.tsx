import type { SpanKind, StatusCode } from '@witness/protocol';

export function KindBadge({ kind }: { kind: SpanKind }) {
  return (
    <span class={`kind kind-${kind}`} title={`kind: ${kind}`}>
      {kind}
    </span>
  );
}

export function StatusBadge({ code, message }: { code: StatusCode; message?: string }) {
  if (code !== 'error') return <span class="status status-ok">{code === 'ok' ? 'ok' : 'unset'}</span>;
  return (
    <span class="status status-error" title={message}>
      error
    </span>
  );
}
