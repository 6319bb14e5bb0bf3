import { readFileSync, writeFileSync } from 'node:fs';
import { SeriesCsvError, scoreSeriesCsv } from '@witness/server';
import type { Command } from 'commander';

export function registerAnomaly(program: Command): void {
  const cmd = program.command('anomaly').description('Streaming anomaly detection (docs/anomaly.md)');

  cmd
    .command('score')
    .description(
      'Score a series: reads CSV "timestamp,value" (YYYY-MM-DD HH:MM:SS, oldest first), writes "timestamp,value,anomaly_score" with one row per input row and scores in [0,1] computed from past values only',
    )
    .requiredOption('--in <file>', 'input CSV with header timestamp,value')
    .requiredOption('--out <file>', 'output CSV (overwritten)')
    .action((flags: { in: string; out: string }) => {
      let input: Buffer;
      try {
        input = readFileSync(flags.in);
      } catch (err) {
        console.error(`witness anomaly score: cannot read ${flags.in}: ${(err as Error).message}`);
        process.exitCode = 2;
        return;
      }
      let out: Uint8Array;
      try {
        out = scoreSeriesCsv(input);
      } catch (err) {
        if (!(err instanceof SeriesCsvError)) throw err;
        console.error(`witness anomaly score: ${flags.in}: ${err.message}`);
        process.exitCode = 1;
        return;
      }
      writeFileSync(flags.out, out);
    });
}
