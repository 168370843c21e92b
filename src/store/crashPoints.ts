// Fault injection for the tests that prove an interrupted command leaves the
// registry and the databases in agreement: CODEBASE_MCP_CRASH_AT=<step> kills
// this process with SIGKILL (no clean-up runs, as in a power cut) when it
// reaches that step. Unset, it costs one environment lookup.
export function crashPoint(step: string): void {
  if (process.env.CODEBASE_MCP_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
