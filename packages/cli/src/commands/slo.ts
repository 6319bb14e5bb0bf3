import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, sendNotification, slo } from '@witness/server';
import type { Command } from 'commander';
import { stringify } from 'yaml';

/** `witness slo rules|import` and `witness alerts test`: SLOs and alerting outside the server (docs/slo.md). */
export function registerSlo(program: Command): void {
  const cmd = program.command('slo').description('Service level objectives (docs/slo.md)');

  cmd
    .command('rules')
    .description(
      'Write Prometheus recording and alerting rules (Sloth-compatible names) for the SLOs of the config file',
    )
    .requiredOption('--out <dir>', 'directory to write witness-slo-rules.yml into')
    .option('-c, --config <file>', 'YAML configuration file [default: $WITNESS_CONFIG]')
    .action((flags: { out: string; config?: string }) => {
      const config = loadConfig({ file: flags.config, env: process.env });
      if (config.slos.length === 0) {
        console.error('witness slo rules: the configuration has no slos');
        process.exitCode = 1;
        return;
      }
      try {
        const rules = slo.prometheusRules(config.slos);
        mkdirSync(flags.out, { recursive: true });
        const file = join(flags.out, 'witness-slo-rules.yml');
        writeFileSync(file, stringify(rules, { lineWidth: 0 }));
        process.stdout.write(`${file}: ${rules.groups.length} rule groups for ${config.slos.length} SLOs\n`);
      } catch (err) {
        if (!(err instanceof slo.RulesError)) throw err;
        console.error(`witness slo rules: ${err.message}`);
        process.exitCode = 1;
      }
    });

  cmd
    .command('import <file>')
    .description('Read OpenSLO v1 YAML and print the equivalent `slos:` section for the config file')
    .action((file: string) => {
      try {
        const slos = slo.importOpenSlo(readFileSync(file, 'utf8'), file);
        process.stdout.write(stringify({ slos }));
      } catch (err) {
        if (!(err instanceof slo.OpenSloError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        console.error(`witness slo import: ${(err as Error).message}`);
        process.exitCode = 1;
      }
    });

  program
    .command('alerts')
    .description('Alert notifications (docs/alerting.md)')
    .command('test <receiver>')
    .description('Send a test alert to a receiver of the config file and say whether it took it')
    .option('-c, --config <file>', 'YAML configuration file [default: $WITNESS_CONFIG]')
    .action(async (name: string, flags: { config?: string }) => {
      const config = loadConfig({ file: flags.config, env: process.env });
      const receiver = config.alerts.receivers.find((r) => r.name === name);
      if (!receiver) {
        const known = config.alerts.receivers.map((r) => r.name).join(', ') || 'none';
        console.error(`witness alerts test: no receiver "${name}" (receivers: ${known})`);
        process.exitCode = 1;
        return;
      }
      const now = Date.now();
      const labels = { alertname: 'WitnessTestAlert', severity: 'info', project: 'default' };
      const result = await sendNotification(
        receiver,
        {
          receiver: name,
          groupKey: `${name}:{alertname="WitnessTestAlert"}`,
          groupLabels: { alertname: 'WitnessTestAlert' },
          alerts: [
            {
              fingerprint: 'test',
              status: 'firing',
              labels,
              annotations: { summary: 'Test alert from `witness alerts test`: the receiver works' },
              startsAt: now,
              endsAt: null,
              generatorURL: config.alerts.externalUrl ?? 'http://localhost',
            },
          ],
          externalURL: config.alerts.externalUrl ?? 'http://localhost',
        },
        { env: process.env, attempts: 1, timeoutMs: config.alerts.notifyTimeoutMs },
      );
      if (result.ok)
        process.stdout.write(
          `receiver ${name} (${receiver.type}) took the test alert: HTTP ${result.status}\n`,
        );
      else {
        console.error(`witness alerts test: ${result.error}`);
        process.exitCode = 1;
      }
    });
}
