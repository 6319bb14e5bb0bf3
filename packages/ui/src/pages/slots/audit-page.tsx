/**
 * Audit trail slot. Span panels link here with `traceId`/`spanId`; the entries come from the audit
 * module's API (`/api/audit/entries`) when it is present, shown generically until its own page lands.
 */
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, Loading } from '../../components/states.js';
import { Link, useLocation } from '../../lib/router.js';

type Entry = Record<string, unknown>;

export function AuditPage() {
  const loc = useLocation();
  const traceId = loc.query.get('traceId');
  const spanId = loc.query.get('spanId');
  const { data, error } = useApi<{ items?: Entry[] } | Entry[]>(
    apiUrl('/api/audit/entries', { traceId, spanId, limit: 100 }),
  );
  const items = Array.isArray(data) ? data : (data?.items ?? []);
  return (
    <div class="page">
      <header class="page-header">
        <h1>Audit trail</h1>
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
      ) : items.length === 0 ? (
        <Empty title="No audit entries match" />
      ) : (
        <div class="table-wrap">
          <table class="table" data-testid="audit-table">
            <tbody>
              {items.map((e, i) => (
                <tr key={i}>
                  <td>
                    <pre class="code">{JSON.stringify(e, null, 2)}</pre>
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
