/**
 * Audit trail: the entries of the tamper-evident log (`GET /api/audit`), optionally those of one trace
 * or span. Span panels link here with `traceId`/`spanId`. The log is filtered by trace on the server;
 * the span is picked out here, since an entry names the span it came from.
 */
import type { AuditPageJson, CheckpointJson } from '@witness/protocol';
import { useState } from 'preact/hooks';
import { apiUrl, postJson } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, Loading } from '../../components/states.js';
import { can, useMe } from '../../lib/me.js';
import { Link, useLocation } from '../../lib/router.js';

/** Admins only (POST /api/audit/checkpoints needs admin access): others do not see the button. */
function SignCheckpointButton({ onSigned }: { onSigned: () => void }) {
  const me = useMe();
  const [message, setMessage] = useState<string | null>(null);
  if (!can(me, 'admin')) return null;
  return (
    <span class="admin-control" data-testid="admin-control">
      <button
        type="button"
        class="btn btn-small"
        data-testid="sign-checkpoint"
        onClick={() =>
          postJson<CheckpointJson>('/api/audit/checkpoints').then(
            (cp) => {
              setMessage(`signed checkpoint at size ${cp.size}`);
              onSigned();
            },
            (err: Error) => setMessage(err.message),
          )
        }
      >
        Sign checkpoint now
      </button>
      {message && <span class="muted">{message}</span>}
    </span>
  );
}

export function AuditPage() {
  const loc = useLocation();
  const traceId = loc.query.get('traceId');
  const spanId = loc.query.get('spanId');
  const [reload, setReload] = useState(0);
  const { data, error } = useApi<AuditPageJson>(apiUrl('/api/audit', { traceId, limit: 500 }), reload);
  const entries = (data?.entries ?? []).filter((e) => !spanId || e.spanId === spanId);
  return (
    <div class="page">
      <header class="page-header">
        <h1>Audit trail</h1>
        <SignCheckpointButton onSigned={() => setReload((n) => n + 1)} />
        {traceId && (
          <span class="chip">
            {spanId ? `span ${spanId.slice(0, 8)}` : `trace ${traceId.slice(0, 8)}`} ·{' '}
            <Link href={`/traces/${traceId}${spanId ? `?span=${spanId}` : ''}`}>open trace</Link>
          </span>
        )}
      </header>
      {error ? (
        <Empty title="The audit trail is not available on this server">{error.message}</Empty>
      ) : !data ? (
        <Loading />
      ) : entries.length === 0 ? (
        <Empty title="No audit entries match" />
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="audit-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Time</th>
                <th>Type</th>
                <th>Actor</th>
                <th>Agent</th>
                <th>Subject</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq} data-testid="audit-row">
                  <td class="num">{e.seq}</td>
                  <td>{e.time}</td>
                  <td>{e.type}</td>
                  <td>{e.actor ?? '—'}</td>
                  <td>{e.agent ?? '—'}</td>
                  <td>{e.subject ?? '—'}</td>
                  <td>
                    <pre class="code">{JSON.stringify(e.details, null, 2)}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
