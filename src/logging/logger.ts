// Logs go to stderr or a file, never stdout: in `serve` mode stdout carries
// only MCP protocol messages.
import { appendFileSync } from 'node:fs';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export function createLogger(level: LogLevel, file?: string): Logger {
  const write = (at: LogLevel, message: string) => {
    if (RANK[at] > RANK[level]) return;
    const line = `${new Date().toISOString()} ${at.padEnd(5)} ${message}\n`;
    if (file) appendFileSync(file, line);
    else process.stderr.write(line);
  };
  return {
    error: (message) => write('error', message),
    warn: (message) => write('warn', message),
    info: (message) => write('info', message),
    debug: (message) => write('debug', message),
  };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
