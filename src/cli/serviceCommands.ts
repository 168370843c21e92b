// `codebase-mcp service start|stop|status|run`: the shared local service.
// Front ends start it on demand; these commands show it and stop it.
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { serviceStatus, type ServiceStatus } from '../service/protocol.js';
import { servicePaths } from '../service/serviceFiles.js';

/** Exit status of `service status` when no service runs (as systemctl does). */
const EXIT_NOT_RUNNING = 3;

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const parts = [[Math.floor(seconds / 3600), 'h'], [Math.floor((seconds % 3600) / 60), 'm'], [seconds % 60, 's']] as const;
  const shown = parts.filter(([value], index) => value > 0 || index === parts.length - 1);
  return shown.map(([value, unit]) => `${value}${unit}`).join(' ');
}

function formatStatus(status: ServiceStatus, headline: string): string {
  const projects = status.projects.length
    ? status.projects.map(
        (project) => `    ${project.name}${project.indexing ? ' [indexing]' : ''}  ${project.root}${project.watcher ? `  (watcher: ${String(project.watcher)})` : ''}`,
      )
    : ['    (none yet)'];
  return [
    `${headline} (pid ${status.pid}, version ${status.version}, protocol ${status.protocol})`,
    `  socket:   ${status.socket}`,
    `  uptime:   ${duration(status.uptimeMs)}`,
    `  clients:  ${status.otherClients} other connected`,
    `  backend:  ${status.backend}`,
    `  jobs:     ${status.jobs.length ? status.jobs.map((job) => `${job.project} (${job.phase})`).join(', ') : 'none running'}`,
    `  log:      ${status.logFile}`,
    `  projects:`,
    ...projects,
  ].join('\n');
}

/** Stops the home's service if one runs (its running jobs resume when it next starts); false when none ran. */
export async function stopRunningService(settings: Config, reason: string): Promise<boolean> {
  const { greet, stopService } = await import('../client/ensureService.js');
  const found = await greet(servicePaths(settings.home));
  if (!found) return false;
  await stopService(found.connection, found.identity, reason, 60_000);
  return true;
}

export function registerServiceCommands(program: Command, config: () => Config): void {
  const service = program
    .command('service')
    .description('The shared local service that owns every index; serve and the other commands start it when needed')
    .addHelpText(
      'after',
      `
One service runs per CODEBASE_MCP_HOME; every MCP session and CLI command talks to it over
a Unix socket there (service.sock, mode 0600). It exits after CODEBASE_MCP_SERVICE_IDLE_MS
(default 30 min) with no client connected and no job running. Its log: service.log in the home.`,
    );

  async function statusOf(connection: import('../client/serviceConnection.js').ServiceConnection): Promise<ServiceStatus> {
    return serviceStatus.parse(await connection.request('serviceStatus', {}));
  }

  service
    .command('start')
    .description('Start the service unless it runs; either way, show the running one')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const settings = config();
      const { mkdir } = await import('node:fs/promises');
      await mkdir(settings.home, { recursive: true });
      const { connectToService } = await import('../client/ensureService.js');
      const { serviceTarget } = await import('../client/openApi.js');
      const { connection, started } = await connectToService(serviceTarget(settings, createLogger('warn', settings.logFile)));
      try {
        const status = await statusOf(connection);
        if (options.json) printJson({ running: true, started, ...status });
        else console.log(formatStatus(status, started ? 'Started the codebase-mcp service' : 'The codebase-mcp service is already running'));
      } finally {
        connection.close();
      }
    });

  service
    .command('stop')
    .description('Ask the service to finish what it is answering and stop; running index jobs resume when it next starts')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const paths = servicePaths(config().home);
      const { greet, stopService } = await import('../client/ensureService.js');
      const found = await greet(paths);
      if (!found) {
        if (options.json) printJson({ running: false, stopped: false });
        else console.log(`No codebase-mcp service is running for ${paths.home}.`);
        return;
      }
      const resumableJobs = await stopService(found.connection, found.identity, 'codebase-mcp service stop', 60_000);
      if (options.json) printJson({ running: false, stopped: true, pid: found.identity.pid, resumableJobs });
      else {
        console.log(
          `Stopped the codebase-mcp service (pid ${found.identity.pid}).${resumableJobs ? ` ${resumableJobs} running index job(s) resume when it next starts.` : ''}`,
        );
      }
    });

  service
    .command('status')
    .description('Is the service running: pid, version, socket, uptime, clients, projects and jobs (exit status 3 when not running)')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const paths = servicePaths(config().home);
      const { greet } = await import('../client/ensureService.js');
      const found = await greet(paths);
      if (!found) {
        if (options.json) printJson({ running: false, home: paths.home, socket: paths.socket });
        else console.log(`No codebase-mcp service is running for ${paths.home}. Any command starts it (or: codebase-mcp service start).`);
        process.exitCode = EXIT_NOT_RUNNING;
        return;
      }
      try {
        const status = await statusOf(found.connection);
        if (options.json) printJson({ running: true, ...status });
        else console.log(formatStatus(status, 'The codebase-mcp service is running'));
      } finally {
        found.connection.close();
      }
    });

  service
    .command('run', { hidden: true })
    .description('Run the service in the foreground (front ends start it detached by themselves)')
    .action(async () => {
      const { runService } = await import('../service/runService.js');
      await runService(config());
    });
}
