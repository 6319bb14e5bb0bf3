/**
 * Every page, its URL and its nav entry in one table. SLOs, alerts, anomalies and the audit trail have
 * their slots here: a new page replaces its placeholder component and nothing else changes.
 */
import type { ComponentType } from 'preact';
import { AgentGraphPage } from './pages/agent-graph/agent-graph-page.js';
import { AnomaliesPage } from './pages/anomalies/anomalies-page.js';
import { ComparePage } from './pages/compare/compare-page.js';
import { GovernancePage } from './pages/governance/governance-page.js';
import { AlertsPage } from './pages/alerting/alerts-page.js';
import { SlosPage } from './pages/alerting/slos-page.js';
import { LogsPage } from './pages/logs/logs-page.js';
import { OverviewPage } from './pages/overview/overview-page.js';
import { SessionPage, SessionsPage } from './pages/people/sessions-page.js';
import { ExportersPage } from './pages/settings/exporters-page.js';
import { UserPage, UsersPage } from './pages/people/users-page.js';
import { FunnelsPage } from './pages/funnels/funnels-page.js';
import { UsagePage } from './pages/usage/usage-page.js';
import { AuditPage } from './pages/slots/audit-page.js';
import { TracePage } from './pages/trace/trace-page.js';
import { TracesPage } from './pages/traces/traces-page.js';

export interface Route {
  pattern: string;
  component: ComponentType<{ params: Record<string, string> }>;
  /** Shown in the nav when set; `section` groups entries. */
  nav?: { label: string; section: 'Explore' | 'Operate' | 'Govern' | 'Settings' };
}

export const ROUTES: Route[] = [
  { pattern: '/', component: TracesPage },
  { pattern: '/traces', component: TracesPage, nav: { label: 'Traces', section: 'Explore' } },
  { pattern: '/traces/:traceId', component: TracePage },
  { pattern: '/sessions', component: SessionsPage, nav: { label: 'Sessions', section: 'Explore' } },
  { pattern: '/sessions/:sessionId', component: SessionPage },
  { pattern: '/users', component: UsersPage, nav: { label: 'Users', section: 'Explore' } },
  { pattern: '/users/:userId', component: UserPage },
  { pattern: '/agent-graph', component: AgentGraphPage, nav: { label: 'Agent graph', section: 'Explore' } },
  { pattern: '/compare', component: ComparePage, nav: { label: 'Compare', section: 'Explore' } },
  { pattern: '/usage', component: UsagePage, nav: { label: 'Usage', section: 'Explore' } },
  { pattern: '/funnels', component: FunnelsPage, nav: { label: 'Funnels', section: 'Explore' } },
  { pattern: '/logs', component: LogsPage, nav: { label: 'Logs', section: 'Explore' } },
  { pattern: '/overview', component: OverviewPage, nav: { label: 'Overview', section: 'Operate' } },
  {
    pattern: '/slos',
    component: SlosPage,
    nav: { label: 'SLOs', section: 'Operate' },
  },
  {
    pattern: '/alerts',
    component: AlertsPage,
    nav: { label: 'Alerts', section: 'Operate' },
  },
  {
    pattern: '/anomalies',
    component: AnomaliesPage,
    nav: { label: 'Anomalies', section: 'Operate' },
  },
  { pattern: '/governance', component: GovernancePage, nav: { label: 'Governance', section: 'Govern' } },
  { pattern: '/audit', component: AuditPage, nav: { label: 'Audit trail', section: 'Govern' } },
  {
    pattern: '/settings/exporters',
    component: ExportersPage,
    nav: { label: 'Exporters', section: 'Settings' },
  },
];
