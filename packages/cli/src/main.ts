#!/usr/bin/env node
/** The `witness` command. Each subcommand lives in its own file under commands/. */
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { CLI_VERSION } from './package-info.js';

const program = new Command('witness')
  .description('Witness: observability and tamper-evident audit for AI agents')
  .version(CLI_VERSION)
  .showHelpAfterError('(run with --help for usage)');

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`witness: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
