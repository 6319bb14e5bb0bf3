import type { Command } from 'commander';
import { registerDashboards } from './dashboards.js';
import { registerDemo } from './demo.js';

/** Every subcommand registers itself here: one line per command module. */
export function registerCommands(program: Command): void {
  registerDemo(program);
  registerDashboards(program);
}
