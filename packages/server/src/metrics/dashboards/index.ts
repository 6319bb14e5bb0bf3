/**
 * The Grafana dashboards Witness ships, as data: `witness dashboards export <dir>` writes them, and
 * deploy/grafana/dashboards holds the same JSON (a test keeps the two identical).
 */
import { agentsOverview } from './agents-overview.js';
import { governance } from './governance.js';
import type { Json } from './grafana.js';
import { llmUsage } from './llm-usage.js';
import { selfMonitoring } from './self-monitoring.js';
import { tools } from './tools.js';

export interface DashboardFile {
  /** File name under the dashboards directory. */
  file: string;
  dashboard: Json;
}

export function grafanaDashboards(): DashboardFile[] {
  return [
    { file: 'witness-agents-overview.json', dashboard: agentsOverview },
    { file: 'witness-llm-tokens-cost.json', dashboard: llmUsage },
    { file: 'witness-tools.json', dashboard: tools },
    { file: 'witness-governance.json', dashboard: governance },
    { file: 'witness-self-monitoring.json', dashboard: selfMonitoring },
  ];
}

/** Grafana provisioning files (relative path → YAML text): a Prometheus data source and a file provider. */
export function grafanaProvisioning(
  options: { prometheusUrl?: string; dashboardsPath?: string } = {},
): Record<string, string> {
  const url = options.prometheusUrl ?? 'http://prometheus:9090';
  const path = options.dashboardsPath ?? '/var/lib/grafana/dashboards/witness';
  return {
    'datasources/witness-prometheus.yml': `# Grafana data source for the Prometheus that scrapes Witness (deploy/prometheus/prometheus.yml).
apiVersion: 1
datasources:
  - name: Prometheus
    uid: prometheus
    type: prometheus
    access: proxy
    url: ${url}
    isDefault: true
    jsonData:
      timeInterval: 15s
`,
    'dashboards/witness.yml': `# Loads the Witness dashboards (witness dashboards export ${path}) into a "Witness" folder.
apiVersion: 1
providers:
  - name: witness
    folder: Witness
    type: file
    disableDeletion: false
    allowUiUpdates: true
    updateIntervalSeconds: 60
    options:
      path: ${path}
      foldersFromFilesStructure: false
`,
  };
}

/** Every file `witness dashboards export` writes, relative to the target directory. */
export function grafanaExportFiles(
  options: { prometheusUrl?: string; dashboardsPath?: string } = {},
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const d of grafanaDashboards())
    files[`dashboards/${d.file}`] = `${JSON.stringify(d.dashboard, null, 2)}\n`;
  for (const [p, text] of Object.entries(grafanaProvisioning(options))) files[`provisioning/${p}`] = text;
  return files;
}
