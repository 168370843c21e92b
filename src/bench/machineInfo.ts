// Where a benchmark ran and with what, so two result files can be compared
// knowingly.

import { createRequire } from 'node:module';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  platform: string;
  arch: string;
  osRelease: string;
}

export interface SoftwareVersions {
  node: string;
  codebaseMcp: string;
  pglite: string;
  pglitePgvector: string;
}

export function machineInfo(): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    platform: process.platform,
    arch: process.arch,
    osRelease: release(),
  };
}

export function softwareVersions(): SoftwareVersions {
  const require = createRequire(import.meta.url);
  const manifest = require('../../package.json') as { version: string; dependencies: Record<string, string> };
  return {
    node: process.version,
    codebaseMcp: manifest.version,
    pglite: manifest.dependencies['@electric-sql/pglite'],
    pglitePgvector: manifest.dependencies['@electric-sql/pglite-pgvector'],
  };
}
