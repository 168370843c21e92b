// Backup and restore of one project, over a registry of either backend: a
// backup reads the project's database as it is (no migration); a restore
// loads into a staging database, verifies it, and only then replaces the
// project's, so a failed restore leaves the old project untouched.
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { UserError } from '../errors/userError.js';
import { crashPoint } from '../store/crashPoints.js';
import { appliedSchemaVersion, SCHEMA_VERSION } from '../store/migrations.js';
import { validateProjectName, type ProjectRecord, type ProjectRegistry } from '../store/projectRegistry.js';
import { dumpProject, type DumpSummary, type SnapshotProgress } from './dumpProject.js';
import { loadSnapshot, snapshotTooNewError, type LoadSummary } from './loadSnapshot.js';
import { SnapshotReader, type SnapshotHeader } from './snapshotFile.js';

export interface BackupOutcome extends DumpSummary {
  project: string;
}

export interface RestoreRequest {
  file: string;
  /** Restore under this name instead of the one in the snapshot. */
  project?: string;
  /** Replace an existing project. */
  yes?: boolean;
  onProgress?: (progress: SnapshotProgress) => void;
  /** Called before the project is replaced: whoever holds it open must let go. */
  beforeReplace?: (name: string) => Promise<void>;
}

export interface RestoreOutcome extends LoadSummary {
  project: string;
  file: string;
  replaced: boolean;
  location: string;
  source: { project: string; backend: SnapshotHeader['source']['backend']; createdAt: string; createdBy: string };
  durationMs: number;
}

export async function backupProject(
  registry: ProjectRegistry,
  name: string,
  out: string,
  onProgress?: (progress: SnapshotProgress) => void,
): Promise<BackupOutcome> {
  const path = resolve(out);
  const parent = await stat(dirname(path)).catch(() => null);
  if (!parent?.isDirectory()) {
    throw new UserError('PATH_NOT_FOUND', `Cannot write the backup to ${path}: ${dirname(path)} is not an existing directory.`, 'Create the directory first, or pass --out with a path in an existing one.');
  }
  const raw = await registry.openDatabase(validateProjectName(name));
  try {
    if ((await appliedSchemaVersion(raw.client)) === 0) {
      throw new UserError('NOT_INDEXED', `Project '${name}' has no index yet, so there is nothing to back up.`, `Index it first: codebase-mcp index ${raw.record.root} --project ${name}`);
    }
    const summary = await dumpProject(raw.client, path, { project: raw.record, backend: registry.backend, onProgress });
    return { project: name, ...summary };
  } finally {
    await raw.close();
  }
}

function describeExisting(project: ProjectRecord): string {
  const files = project.lastIndex ? `, ${project.lastIndex.files} files` : '';
  return `project '${project.name}' exists (${project.root}${files})`;
}

export async function restoreProject(registry: ProjectRegistry, request: RestoreRequest): Promise<RestoreOutcome> {
  const started = Date.now();
  const file = resolve(request.file);
  const reader = await SnapshotReader.open(file);
  try {
    const { header } = reader;
    if (header.schemaVersion > SCHEMA_VERSION) throw snapshotTooNewError(file, header, SCHEMA_VERSION);
    const name = validateProjectName(request.project ?? header.project.name);
    const existing = await registry.get(name);
    if (existing && !request.yes) {
      throw new UserError(
        'INVALID_INPUT',
        `Refusing without --yes: ${describeExisting(existing)}, and restoring ${file} replaces its index.`,
        `Run again with --yes to replace it (the old index stays until the restored one is verified), or restore under another name with --project NEW_NAME.`,
      );
    }
    const staged = await registry.stage(name);
    let loaded: LoadSummary;
    try {
      loaded = await loadSnapshot(reader, staged.client, { onProgress: request.onProgress });
      crashPoint('restore:verified');
      await request.beforeReplace?.(name);
      await staged.promote({ root: header.project.root, lastIndex: header.project.lastIndex });
    } catch (error) {
      await staged.discard();
      if (staged.committed) {
        throw new UserError(
          'RESTORE_FAILED',
          `Project '${name}' was restored from ${file}, but tidying up afterwards failed: ${(error as Error).message}.`,
          'The restored index is in place. Run codebase-mcp projects to see what is left over, and codebase-mcp projects drop-orphans --yes to remove it.',
        );
      }
      if (error instanceof UserError) throw error;
      throw new UserError(
        'RESTORE_FAILED',
        `Restoring ${file} into project '${name}' failed: ${(error as Error).message}.`,
        `Nothing was replaced${existing ? `: project '${name}' is as it was` : ''}, and the staging copy was discarded. Check that the file is a complete backup; take it again if in doubt.`,
      );
    }
    return {
      project: name,
      file,
      replaced: existing !== undefined,
      location: (await registry.get(name))?.location ?? staged.location,
      source: { project: header.project.name, backend: header.source.backend, createdAt: header.createdAt, createdBy: header.createdBy },
      ...loaded,
      durationMs: Date.now() - started,
    };
  } finally {
    await reader.close();
  }
}
