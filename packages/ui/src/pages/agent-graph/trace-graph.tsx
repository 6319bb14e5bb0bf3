/** The agent graph of one trace (the trace page's "Agent graph" tab). */
import type { AgentGraphJson } from '@witness/protocol';
import { apiUrl } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { ErrorView, Loading } from '../../components/states.js';
import { AgentGraphView } from './agent-graph-view.js';

export function TraceGraph({ traceId }: { traceId: string }) {
  const { data, error } = useApi<AgentGraphJson>(apiUrl(`/api/traces/${encodeURIComponent(traceId)}/graph`));
  if (error) return <ErrorView error={error} />;
  if (!data) return <Loading label="Building the graph…" />;
  return (
    <div class="card graph-card">
      <AgentGraphView graph={data} testId="trace-graph" />
    </div>
  );
}
