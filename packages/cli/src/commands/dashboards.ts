import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { grafanaExportFiles } from '@witness/server';
import type { Command } from 'commander';

export function registerDashboards(program: Command): void {
  const cmd = program
    .command('dashboards')
    .description('Grafana dashboards and provisioning files for Witness metrics');
  cmd
    .command('export <dir>')
    .description(
      'Write the Grafana dashboards (<dir>/dashboards/*.json) and provisioning files (<dir>/provisioning/…) for a Prometheus that scrapes Witness',
    )
    .option(
      '--prometheus-url <url>',
      'URL Grafana uses to reach Prometheus (datasource provisioning)',
      'http://prometheus:9090',
    )
    .option(
      '--dashboards-path <path>',
      'where Grafana will find the dashboards (dashboard provider path)',
      '/var/lib/grafana/dashboards/witness',
    )
    .action((dir: string, flags: { prometheusUrl: string; dashboardsPath: string }) => {
      const root = resolve(dir);
      const files = grafanaExportFiles({
        prometheusUrl: flags.prometheusUrl,
        dashboardsPath: flags.dashboardsPath,
      });
      for (const [rel, text] of Object.entries(files)) {
        const path = join(root, rel);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
      }
      console.error(`wrote ${Object.keys(files).length} files to ${root}`);
    });
}
