/** Sample requests for every route of the API table (shared by the contract and auth-matrix tests). */
import { createHash } from 'node:crypto';
const nowNs = () => `${BigInt(Date.now()) * 1_000_000n}`;

export interface RouteSample {
  url: string;
  body?: unknown;
  /**
   * The status a good request gets when it is not 2xx: the sign-in steps redirect (302: send with
   * `redirect: 'manual'`), and a callback without a sign-in started in this client is refused (400).
   * Needs auth.oidc configured (test/helpers/oidc-provider.ts), else login and callback answer 404.
   */
  status?: number;
}

export interface SampleData {
  /** The trace the OTLP sample writes and the trace route reads. */
  traceId: string;
  /** service.name of everything the OTLP samples write. */
  service: string;
  /** Put into the log body, the metric name and the audit action, so a leak check can look for it. @default service */
  marker?: string;
}

/**
 * One good request per route of API_ROUTES, keyed `METHOD /path/{template}`: what the contract test
 * (openapi-routes) and the authorization matrix (auth-matrix) send. Tests fail for a route without one.
 */
export function routeSamples({
  traceId,
  service,
  marker = service,
}: SampleData): Record<string, RouteSample> {
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: service } }] };
  const metricName = `${marker.replace(/[^a-z0-9]/gi, '_')}.queue.depth`;
  // one silence per marker (a silence id belongs to one project), in UUID form
  const hex = createHash('sha256').update(marker).digest('hex');
  const silenceId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return {
    'POST /v1/traces': {
      url: '/v1/traces',
      body: {
        resourceSpans: [
          {
            resource,
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: traceId,
                    spanId: 'eee19b7ec3c1b174',
                    name: 'invoke_agent planner',
                    kind: 1,
                    startTimeUnixNano: nowNs(),
                    endTimeUnixNano: nowNs(),
                    attributes: [
                      { key: 'gen_ai.agent.name', value: { stringValue: 'planner' } },
                      // the session and user the analytics samples read
                      { key: 'witness.session.id', value: { stringValue: `sess-${hex.slice(0, 12)}` } },
                      { key: 'witness.user.id', value: { stringValue: `user-${hex.slice(0, 12)}` } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
    },
    'POST /v1/logs': {
      url: '/v1/logs',
      body: {
        resourceLogs: [
          {
            resource,
            scopeLogs: [
              {
                logRecords: [
                  { timeUnixNano: nowNs(), severityNumber: 9, body: { stringValue: `hello from ${marker}` } },
                ],
              },
            ],
          },
        ],
      },
    },
    'POST /v1/metrics': {
      url: '/v1/metrics',
      body: {
        resourceMetrics: [
          {
            resource,
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: metricName,
                    unit: '1',
                    gauge: { dataPoints: [{ timeUnixNano: nowNs(), asInt: '3' }] },
                  },
                ],
              },
            ],
          },
        ],
      },
    },
    'POST /api/audit/actions': {
      url: '/api/audit/actions',
      body: {
        type: 'config.change',
        actor: 'alice',
        subject: 'retention',
        details: { from: 30, to: 7, marker },
      },
    },
    'POST /api/audit/checkpoints': { url: '/api/audit/checkpoints' },
    'POST /api/admin/backup': { url: '/api/admin/backup' },
    'POST /api/audit/erasures': {
      url: '/api/audit/erasures',
      body: { subject: 'bob', actor: 'alice' },
    },
    'POST /api/audit/retention': { url: '/api/audit/retention', body: { actor: 'alice' } },
    'GET /api/traces': { url: '/api/traces?limit=5' },
    'GET /api/sessions': { url: '/api/sessions?limit=5&sort=cost' },
    'GET /api/sessions/{sessionId}': {
      url: `/api/sessions/${encodeURIComponent(`sess-${hex.slice(0, 12)}`)}`,
    },
    'GET /api/users': { url: '/api/users?limit=5' },
    'GET /api/usage': { url: '/api/usage?by=agent' },
    'POST /api/funnels/query': {
      url: '/api/funnels/query',
      body: {
        steps: [{ kind: 'agent' }, { name: 'invoke_agent planner' }],
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 3_600_000).toISOString(),
      },
    },
    'GET /api/traces/{traceId}': { url: `/api/traces/${traceId}` },
    'GET /api/logs': { url: '/api/logs?severity=INFO' },
    'GET /api/traces/{traceId}/graph': { url: `/api/traces/${traceId}/graph` },
    // no service in the URL: the cross-project check would then expect a 404 for an unknown service,
    // where the answer (like the trace list's) is an empty graph
    'GET /api/agent-graph': { url: '/api/agent-graph?limit=10' },
    // about a session: no trace needs to have arrived first
    'POST /api/scores': {
      url: '/api/scores',
      body: {
        name: 'helpfulness',
        value: 0.8,
        sessionId: `session-${marker}`,
        comment: `scored by ${marker}`,
      },
    },
    'GET /api/scores': { url: '/api/scores?limit=10' },
    'GET /api/scores/summary': { url: '/api/scores/summary?groupBy=model' },
    'GET /api/services': { url: '/api/services' },
    'GET /api/anomalies': { url: '/api/anomalies?kind=series&limit=5' },
    'GET /api/forecasts/cost': { url: '/api/forecasts/cost?budgetUsd=100' },
    'GET /api/forecasts/disk': { url: '/api/forecasts/disk' },
    'GET /api/projects': { url: '/api/projects' },
    'GET /api/metrics/query': { url: '/api/metrics/query?metric=rate&step=60&groupBy=service' },
    'GET /api/metrics/names': { url: '/api/metrics/names' },
    'GET /api/governance/violations': { url: '/api/governance/violations?limit=5' },
    'GET /api/governance/summary': { url: '/api/governance/summary' },
    // the server under test is configured with an SLO named contract-slo in each project it asks
    'GET /api/slos': { url: '/api/slos' },
    'GET /api/exporters': { url: '/api/exporters' },
    'GET /api/slos/{name}': { url: '/api/slos/contract-slo' },
    'GET /api/alerts': { url: '/api/alerts' },
    'GET /api/silences': { url: '/api/silences' },
    'POST /api/silences': {
      url: '/api/silences',
      body: {
        id: silenceId,
        matchers: [{ name: 'slo', value: 'contract-slo', isRegex: false, isEqual: true }],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: marker,
      },
    },
    'DELETE /api/silences/{id}': { url: `/api/silences/${silenceId}` },
    'GET /api/audit': { url: '/api/audit?limit=5' },
    'GET /api/audit/entries/{index}': { url: '/api/audit/entries/0' },
    'GET /api/audit/checkpoints/latest': { url: '/api/audit/checkpoints/latest' },
    'GET /api/audit/proofs/inclusion': { url: '/api/audit/proofs/inclusion?index=0' },
    'GET /api/audit/proofs/consistency': { url: '/api/audit/proofs/consistency?from=1' },
    'GET /api/openapi.json': { url: '/api/openapi.json' },
    'GET /metrics': { url: '/metrics' },
    'GET /api/auth/login': { url: '/api/auth/login?returnTo=/traces', status: 302 },
    'GET /api/auth/callback': { url: '/api/auth/callback?code=sample&state=sample', status: 400 },
    'POST /api/auth/logout': { url: '/api/auth/logout' },
    'GET /api/auth/me': { url: '/api/auth/me' },
    'GET /healthz': { url: '/healthz' },
    'GET /readyz': { url: '/readyz' },
  };
}
