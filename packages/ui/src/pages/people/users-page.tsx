/** Users: their runs, tokens, cost and errors. */
import type { Page, TraceSummaryJson } from '@witness/protocol';
import { useMemo } from 'preact/hooks';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { Empty, ErrorView, Loading } from '../../components/states.js';
import { formatCost, formatTokens } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { TracesTable } from '../traces/traces-table.js';
import { GroupListPage } from './sessions-page.js';

export function UsersPage() {
  return <GroupListPage by="user" title="Users" base="/users" />;
}

export function UserPage({ params }: { params: Record<string, string> }) {
  const userId = params.userId!;
  const now = useMemo(() => Date.now(), [userId]);
  const { data, error } = useApi<Page<TraceSummaryJson>>(apiUrl('/api/traces', { userId, limit: 200 }));
  const items = data?.items ?? [];
  const errors = items.filter((t) => t.errorCount > 0).length;
  const sessions = new Set(items.map((t) => t.sessionId).filter(Boolean)).size;
  return (
    <div class="page">
      <header class="page-header">
        <div>
          <div class="crumbs">
            <Link href="/users">Users</Link> / <code>{userId}</code>
          </div>
          <h1>{userId}</h1>
        </div>
        <dl class="trace-stats">
          <div>
            <dt>Runs</dt>
            <dd>
              {items.length}
              {data?.nextCursor ? '+' : ''}
            </dd>
          </div>
          <div>
            <dt>Sessions</dt>
            <dd>{sessions}</dd>
          </div>
          <div>
            <dt>With errors</dt>
            <dd class={errors ? 'error-count' : undefined}>{errors}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>{formatTokens(items.reduce((a, t) => a + t.totalTokens, 0))}</dd>
          </div>
          <div>
            <dt>Cost</dt>
            <dd>{formatCost(items.reduce((a, t) => a + (t.costUsd ?? 0), 0))}</dd>
          </div>
        </dl>
      </header>
      {error ? (
        <ErrorView error={error} />
      ) : !data ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title="No runs for this user" />
      ) : (
        <TracesTable items={items} now={now} />
      )}
      {data?.nextCursor && (
        <p class="muted small">
          Showing the newest 200.{' '}
          <Link href={`/traces?userId=${encodeURIComponent(userId)}&range=all`}>
            All runs in the traces list →
          </Link>
        </p>
      )}
    </div>
  );
}
