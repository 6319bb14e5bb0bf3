import type { Command } from 'commander';
import {
  formatProgress,
  formatSummary,
  type LoadProgress,
  PROFILE_DEFAULTS,
  PROFILES,
  type ProfileName,
  runLoad,
} from '../load/index.js';

/** '90s', '10m', '1h', '1500ms' or a number of seconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new Error(`--duration "${text}" is not a duration like 30s, 10m or 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerLoad(program: Command): void {
  const profiles = PROFILES.map(
    (p) =>
      `${p} (${PROFILE_DEFAULTS[p].description}; ${PROFILE_DEFAULTS[p].rate}/min, ${PROFILE_DEFAULTS[p].durationMs / 1000} s)`,
  ).join('; ');
  program
    .command('load')
    .description(
      'Drive realistic multi-agent OTLP traffic at an open arrival rate against a running Witness while readers run the UI queries; print latency, errors, rejections and server RSS',
    )
    .option('-t, --target <url>', 'base URL of the server', 'http://127.0.0.1:4318')
    .option('-p, --profile <name>', `one of: ${profiles}`, 'smoke')
    .option(
      '-d, --duration <time>',
      "length of the load phase, e.g. 30s, 10m (the profile's default otherwise)",
    )
    .option(
      '-r, --rate <n>',
      "the profile's reference rate in agent requests per minute (one iteration = one multi-agent run: one traces and one logs request)",
    )
    .option(
      '--key <key>',
      'API key sent as a bearer token (needs ingest, read and metrics access; or set WITNESS_LOAD_KEY)',
    )
    .option(
      '--threshold <expr>',
      "fail (exit 1) unless it holds, e.g. 'query_p95<300ms' (repeatable)",
      collect,
      [],
    )
    .option('--read-rate <n>', 'reader queries per second, idle and under load', '2')
    .option('--max-in-flight <n>', 'iterations running at once before new ones are dropped', '256')
    .option(
      '--retries <n>',
      'retries of a 429/502/503/504 answer per export, as the OpenTelemetry exporters do',
      '5',
    )
    .option('--verify', 'afterwards, count the spans the server stored for this run through the API')
    .option('--json', 'print the summary as JSON on stdout')
    .action(
      async (flags: {
        target: string;
        profile: string;
        duration?: string;
        rate?: string;
        key?: string;
        threshold: string[];
        readRate: string;
        maxInFlight: string;
        retries: string;
        verify?: boolean;
        json?: boolean;
      }) => {
        if (!(PROFILES as readonly string[]).includes(flags.profile))
          throw new Error(`--profile must be one of ${PROFILES.join(', ')}, got "${flags.profile}"`);
        const rate = flags.rate === undefined ? undefined : Number(flags.rate);
        if (rate !== undefined && !(rate > 0))
          throw new Error(`--rate must be a positive number, got "${flags.rate}"`);
        const readRate = Number(flags.readRate);
        if (!(readRate > 0 && readRate <= 100))
          throw new Error(`--read-rate must be in (0, 100], got "${flags.readRate}"`);
        const maxInFlight = Number(flags.maxInFlight);
        if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
          throw new Error(`--max-in-flight must be a positive integer, got "${flags.maxInFlight}"`);
        const retries = Number(flags.retries);
        if (!Number.isInteger(retries) || retries < 0 || retries > 20)
          throw new Error(`--retries must be an integer in 0..20, got "${flags.retries}"`);
        const tty = process.stderr.isTTY === true;
        let lastLine = 0;
        const onProgress = (p: LoadProgress) => {
          // a line redrawn in place on a terminal; every 10 s otherwise (CI logs)
          if (tty) process.stderr.write(`\r\x1b[K${formatProgress(p)}`);
          else if (Date.now() - lastLine >= 10_000) {
            lastLine = Date.now();
            process.stderr.write(`${formatProgress(p)}\n`);
          }
        };
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        try {
          const result = await runLoad({
            target: flags.target,
            profile: flags.profile as ProfileName,
            durationMs: flags.duration === undefined ? undefined : parseDuration(flags.duration),
            rate,
            key: flags.key ?? process.env.WITNESS_LOAD_KEY,
            thresholds: flags.threshold,
            readRate,
            maxInFlight,
            retries,
            verify: flags.verify === true,
            onProgress,
            signal: controller.signal,
          });
          if (tty) process.stderr.write('\r\x1b[K');
          if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else process.stdout.write(`${formatSummary(result)}\n`);
          if (!result.passed) process.exitCode = 1;
        } finally {
          process.off('SIGINT', onSigint);
        }
      },
    );
}
