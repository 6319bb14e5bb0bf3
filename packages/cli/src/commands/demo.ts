import type { Command } from 'commander';
import { runDemo } from '../demo/index.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Send the built-in demo workload (cooperating agents, LLM and tool calls, logs) to a running Witness over OTLP',
    )
    .option('-e, --endpoint <url>', 'OTLP/HTTP base URL of the server', 'http://127.0.0.1:4318')
    .option('-n, --traces <n>', 'how many agent runs to send', '40')
    .option('--seed <n>', 'random seed, for a repeatable workload', '42')
    .action(async (flags: { endpoint: string; traces: string; seed: string }) => {
      const traces = Number(flags.traces);
      if (!Number.isInteger(traces) || traces < 1)
        throw new Error(`--traces must be a positive integer, got "${flags.traces}"`);
      const result = await runDemo({
        endpoint: flags.endpoint,
        traces,
        seed: Number(flags.seed),
        progress: process.stderr.isTTY === true,
      });
      console.error(
        `sent ${result.traces} traces (${result.spans} spans, ${result.logs} logs) to ${flags.endpoint}`,
      );
    });
}
