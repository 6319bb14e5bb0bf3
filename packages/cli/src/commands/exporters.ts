import { readFileSync } from 'node:fs';
import type { ExporterList, ExporterStatusView } from '@witness/protocol';
import type { Command } from 'commander';

/** Seconds as `4s`, `3m12s`, `2h5m`. */
export function humanAge(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** The status table `witness exporters status` prints. */
export function formatExporterTable(list: readonly ExporterStatusView[]): string {
  if (list.length === 0) return 'no exporters configured (see docs/exporters.md)\n';
  const rows = [
    ['NAME', 'TYPE', 'STATE', 'QUEUED', 'LAG', 'SENT', 'FAILED', 'DROPPED', 'DEAD-LETTERED', 'LAST ERROR'],
    ...list.map((e) => [
      e.name,
      e.type,
      e.state,
      String(e.queue.records),
      humanAge(e.queue.oldestAgeSeconds),
      String(e.sent),
      String(e.failedAttempts),
      String(e.dropped),
      String(e.deadLettered),
      e.lastError ? `${e.lastError.at} ${e.lastError.message}`.slice(0, 120) : '-',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')}\n`;
}

/** `witness exporters status`: what a running server's exporters are doing (GET /api/exporters, admin). */
export function registerExporters(program: Command): void {
  const cmd = program.command('exporters').description('Forwarders to other backends (docs/exporters.md)');
  cmd
    .command('status')
    .description("A running server's exporters: state, queue depth and lag, sent/failed/dropped, last error")
    .option('--url <url>', 'the server', 'http://127.0.0.1:4318')
    .option('--api-key-file <file>', 'file holding an admin API key [default: $WITNESS_API_KEY]')
    .option('--json', 'print the raw answer of GET /api/exporters')
    .action(async (flags: { url: string; apiKeyFile?: string; json?: boolean }) => {
      // secrets from a file or the environment only, never a flag (it would sit in shell history)
      const key = flags.apiKeyFile
        ? readFileSync(flags.apiKeyFile, 'utf8').trim()
        : (process.env.WITNESS_API_KEY ?? '');
      let res: Response;
      try {
        res = await fetch(`${flags.url.replace(/\/+$/, '')}/api/exporters`, {
          headers: key ? { authorization: `Bearer ${key}` } : {},
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        console.error(`witness exporters status: cannot reach ${flags.url}: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const text = await res.text();
      if (res.status !== 200) {
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
        } catch {
          // not JSON: print as is
        }
        console.error(`witness exporters status: ${flags.url} answered ${res.status}: ${message}`);
        process.exitCode = 1;
        return;
      }
      if (flags.json) {
        process.stdout.write(`${text}\n`);
        return;
      }
      process.stdout.write(formatExporterTable((JSON.parse(text) as ExporterList).exporters));
    });
}
