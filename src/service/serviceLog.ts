// The service's log: a file in the home (the service has no terminal),
// rotated by size so a long-lived service never fills the disk.
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import type { Logger, LogLevel } from '../logging/logger.js';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface RotationOptions {
  maxBytes: number;
  /** Rotated files kept: service.log.1 … service.log.N. */
  keep: number;
}

export const DEFAULT_ROTATION: RotationOptions = { maxBytes: 5 * 1024 * 1024, keep: 3 };

export function createRotatingLogger(path: string, level: LogLevel, rotation: RotationOptions = DEFAULT_ROTATION): Logger {
  let size = existsSync(path) ? statSync(path).size : 0;
  const rotate = () => {
    for (let index = rotation.keep - 1; index >= 1; index--) {
      if (existsSync(`${path}.${index}`)) renameSync(`${path}.${index}`, `${path}.${index + 1}`);
    }
    if (existsSync(path)) renameSync(path, `${path}.1`);
    size = 0;
  };
  const write = (at: LogLevel, message: string) => {
    if (RANK[at] > RANK[level]) return;
    const line = `${new Date().toISOString()} ${at.padEnd(5)} [${process.pid}] ${message}\n`;
    try {
      if (size + line.length > rotation.maxBytes) rotate();
      appendFileSync(path, line);
      size += Buffer.byteLength(line);
    } catch {
      // A log that cannot be written must not take the service down.
    }
  };
  return {
    error: (message) => write('error', message),
    warn: (message) => write('warn', message),
    info: (message) => write('info', message),
    debug: (message) => write('debug', message),
  };
}
