/** Users: their runs, tokens, cost and errors. */
import type { Page, TraceSummaryJson, UserSummaryJson } from '@witness/protocol';
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
  // the header's figures are the server's aggregate over every trace of the user, not the 200 listed
  const summary = useApi<Page<UserSummaryJson>>(apiUrl('/api/users', { userId, limit: 1 })).data?.items[0];
  return (
    <div class="page">
      <header class="page-header">
        <div>
          <div class="crumbs">
            <Link href="/users">Users</Link> / <code>{userId}</code>
          </div>
          <h1>{userId}</h1>
        </div>
        {summary && (
          <dl class="trace-stats" data-testid="user-stats">
            <div>
              <dt>Traces</dt>
              <dd>{summary.traces}</dd>
            </div>
            <div>
              <dt>Sessions</dt>
              <dd>{summary.sessions}</dd>
            </div>
            <div>
              <dt>Turns</dt>
              <dd>{summary.turns}</dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd class={summary.errors ? 'error-count' : undefined}>{summary.errors}</dd>
            </div>
            <div>
              <dt>Tokens in / out</dt>
              <dd>
                {formatTokens(summary.inputTokens)} / {formatTokens(summary.outputTokens)}
              </dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>{formatCost(summary.costUsd)}</dd>
            </div>
          </dl>
        )}
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
