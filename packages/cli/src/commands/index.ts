import type { Command } from 'commander';
import { registerAnomaly } from './anomaly.js';
import { registerAudit } from './audit.js';
import { registerBackup } from './backup.js';
import { registerDashboards } from './dashboards.js';
import { registerDemo } from './demo.js';
import { registerExporters } from './exporters.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerLoad } from './load.js';
import { registerPolicy } from './policy.js';
import { registerServe } from './serve.js';
import { registerSlo } from './slo.js';

/** Every subcommand registers itself here: one line per command module. */
export function registerCommands(program: Command): void {
  registerServe(program);
  registerInit(program);
  registerKeys(program);
  registerAudit(program);
  registerDemo(program);
  registerDashboards(program);
  registerAnomaly(program);
  registerSlo(program);
  registerPolicy(program);
  registerLoad(program);
  registerExporters(program);
  registerBackup(program);
}
