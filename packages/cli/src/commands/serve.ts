import { existsSync } from 'node:fs';
import {
  type ConfigInput,
  createLogger,
  demoIngestToken,
  loadConfig,
  PRIVATE_UMASK,
  startServer,
} from '@witness/server';
import type { Command } from 'commander';
import { demoConfigOverrides } from '../demo/demo-config.js';
import { type ServeDemo, startServeDemo } from '../demo/serve-demo.js';
import { bundledUiDir, CLI_VERSION } from '../package-info.js';

interface ServeFlags {
  port?: string;
  grpcPort?: string;
  host?: string;
  dataDir?: string;
  config?: string;
  uiDir?: string;
  target?: string;
  demo?: boolean;
  insecure?: boolean;
  demoTraces: string;
  demoLive: boolean;
  demoSpeed: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run Witness: OTLP/HTTP receiver, query API, /metrics and the UI on one port')
    .option(
      '-p, --port <port>',
      'port for OTLP/HTTP, the API and the UI (0 picks a free one) [default: 4318]',
    )
    .option(
      '--grpc-port <port>',
      'also serve OTLP/gRPC on this port (0 picks a free one; 4317 is the OTLP default) [default: off, or server.grpc]',
    )
    .option('--host <host>', 'interface to listen on [default: 127.0.0.1]')
    .option('-d, --data-dir <dir>', 'where the database and audit log live [default: ./data]')
    .option(
      '-c, --config <file>',
      'YAML configuration file [default: $WITNESS_CONFIG] (WITNESS_* environment variables override it)',
    )
    .option('--ui-dir <dir>', 'directory of the built UI [default: the bundled one]')
    .option(
      '--target <target>',
      'what this node runs: all (one process), ingest (OTLP in, writes, spools) or query (API, UI, alerting) [default: all]',
    )
    .option(
      '--insecure',
      'allow listening beyond loopback with auth off (anyone who can reach the port reads and writes everything; warned on every start)',
    )
    .option(
      '--demo',
      'feed the built-in demo once the server is up: a few hours of history, then live demo agents with a scripted incident every few minutes',
    )
    .option('--demo-traces <n>', 'agent runs of the demo history sent at start', '60')
    .option('--no-demo-live', 'with --demo: send the history only, no live agents')
    .option('--demo-speed <x>', 'with --demo: live demo minutes per real minute (tests, screenshots)', '1')
    .action(async (flags: ServeFlags) => {
      const overrides: ConfigInput = { server: {} };
      if (flags.port !== undefined) overrides.server!.port = Number(flags.port); // validated with the rest of the config
      if (flags.grpcPort !== undefined)
        overrides.server!.grpc = { enabled: true, port: Number(flags.grpcPort) };
      if (flags.host !== undefined) overrides.server!.host = flags.host;
      if (flags.dataDir !== undefined) overrides.dataDir = flags.dataDir;
      if (flags.uiDir !== undefined) overrides.server!.uiDir = flags.uiDir;
      // validated with the rest of the config: a wrong value names server.target and the allowed ones
      if (flags.target !== undefined) overrides.server!.target = flags.target as 'all';
      let config = loadConfig({ file: flags.config, env: process.env, flags: overrides });
      if (flags.demo) {
        // demo SLOs and policies where the configuration has none, validated like any other config
        const demo = demoConfigOverrides(config);
        if (Object.keys(demo).length > 0)
          config = loadConfig({ file: flags.config, env: process.env, flags: { ...overrides, ...demo } });
      }
      const bundledUi = bundledUiDir();
      if (config.server.uiDir === null && bundledUi !== null && existsSync(`${bundledUi}/index.html`))
        config.server.uiDir = bundledUi;

      // Every file Witness creates (DuckDB file and WAL, audit segments, keys) is 0600, every directory
      // 0700: they hold prompts and signing keys. Set here, in the process's outer layer, because
      // DuckDB creates its files natively where no mode argument reaches.
      process.umask(PRIVATE_UMASK);
      const logger = createLogger({ level: config.logLevel });
      // With auth on, the demo agents need a credential like any app: an in-memory ingest token for
      // this process only (never written anywhere, gone at exit).
      const demoToken = flags.demo ? demoIngestToken() : null;
      const server = await startServer({
        config,
        logger,
        version: CLI_VERSION,
        insecure: flags.insecure === true,
        authenticators: demoToken ? [demoToken.authenticator] : undefined,
        env: process.env,
        // test-only store fault hook (docs/spool.md): never from the config file
        storeFaultFile: process.env.WITNESS_FAULT_STORE || undefined,
      });
      // Tests and scripts read these exact lines (the real ports when 0); logs go to stderr. The gRPC
      // line comes first: a reader that waits for the HTTP line has both.
      if (server.grpc)
        process.stdout.write(
          `Witness OTLP/gRPC listening on ${server.grpc.tls ? 'https' : 'http'}://${server.grpc.address}\n`,
        );
      process.stdout.write(`Witness listening on ${server.url}\n`);
      logger.info(
        { url: server.url, dataDir: config.dataDir, ui: config.server.uiDir !== null },
        'witness started',
      );

      let stopping = false;
      let demo: ServeDemo | null = null;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        await demo?.stop(); // the demo agents send to this server: stop them first
        await server.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      // SIGHUP re-reads server.tls.cert/key (a renewed certificate needs no restart) and, from the config
      // file, the policies (governance.policies), the SLOs and the alert rules. Only when there is
      // something to re-read (TLS on or a config file): otherwise SIGHUP keeps its default meaning
      // (the terminal went away: stop).
      const configFile = flags.config || process.env.WITNESS_CONFIG || undefined;
      if (server.tlsCertificate() || configFile)
        process.on('SIGHUP', () => {
          logger.info({ signal: 'SIGHUP' }, 'reloading the TLS certificate, policies, SLOs and alert rules');
          if (server.tlsCertificate()) server.reloadTls();
          if (!configFile) return;
          let next: ReturnType<typeof loadConfig>;
          try {
            next = loadConfig({ file: configFile, env: process.env, flags: overrides });
          } catch (err) {
            logger.error({ err: (err as Error).message }, 'config reload failed; what is in force stays');
            return;
          }
          try {
            server
              .reloadPolicies(next.governance.policies)
              .catch((err: unknown) => logger.error({ err }, 'audit of the policy reload failed'));
          } catch (err) {
            logger.error({ err: (err as Error).message }, 'policy reload failed; the policies in force stay');
          }
          server.reloadAlerting(next);
          logger.info(
            { slos: next.slos.length, rules: next.alerts.rules.length },
            'reloaded SLOs and alert rules',
          );
        });

      if (flags.demo) {
        demo = await startServeDemo({
          endpoint: server.url,
          traces: Number(flags.demoTraces),
          live: flags.demoLive,
          speed: Number(flags.demoSpeed),
          logger,
          headers:
            demoToken && server.auth.enabled ? { authorization: `Bearer ${demoToken.token}` } : undefined,
        });
        if (stopping) await demo.stop();
        // scripts (the quickstart test) read "Demo: N agent runs sent." from this line
        process.stdout.write(
          `Demo: ${demo.history.traces} agent runs sent.${flags.demoLive ? ' Live demo agents running, with an incident every few minutes.' : ''} Open ${server.url}/ in a browser.\n`,
        );
      }
    });
}
