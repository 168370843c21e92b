// Which projects exist, where their repositories are, and how to open their
// index. The embedded registry keeps one folder per project under the home
// directory: project.json (the record), pgdata/ (PGlite) and a lock file.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/userError.js';
import { openPgliteDatabase } from './pgliteDatabase.js';
import { ProjectLock } from './projectLock.js';
import { ProjectStore } from './projectStore.js';

export interface LastIndexSummary {
  finishedAt: string;
  files: number;
  chunks: number;
  durationMs: number;
}

export interface ProjectRecord {
  name: string;
  root: string;
  createdAt: string;
  updatedAt: string;
  lastIndex?: LastIndexSummary;
}

export interface OpenProject {
  record: ProjectRecord;
  store: ProjectStore;
  close(): Promise<void>;
}

export interface ProjectRegistry {
  readonly backend: 'embedded' | 'server';
  list(): Promise<ProjectRecord[]>;
  get(name: string): Promise<ProjectRecord | undefined>;
  create(name: string, root: string): Promise<ProjectRecord>;
  recordIndex(name: string, summary: LastIndexSummary): Promise<void>;
  open(name: string): Promise<OpenProject>;
  close(): Promise<void>;
}

const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function validateProjectName(name: string): string {
  if (!PROJECT_NAME.test(name)) {
    throw new UserError(
      'INVALID_INPUT',
      `Invalid project name ${JSON.stringify(name)}.`,
      'Use 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    );
  }
  return name;
}

/** A project name derived from a directory name: 'My Repo!' → 'my-repo'. */
export function projectNameFromDirectory(directoryName: string): string {
  const slug = directoryName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 50);
  return slug || 'project';
}

export function unknownProjectError(name: string, known: ProjectRecord[]): UserError {
  const list = known.length ? `Known projects: ${known.map((project) => project.name).join(', ')}.` : 'No project has been indexed yet.';
  return new UserError(
    'UNKNOWN_PROJECT',
    `Unknown project '${name}'. ${list}`,
    'Index a repository first (codebase-mcp index <path> --project NAME, or the index_repository tool), or pass one of the known names.',
  );
}

export class EmbeddedProjectRegistry implements ProjectRegistry {
  readonly backend = 'embedded' as const;

  constructor(
    private readonly home: string,
    private readonly cacheDir: string,
  ) {}

  private projectDir(name: string): string {
    return join(this.home, 'projects', validateProjectName(name));
  }

  async list(): Promise<ProjectRecord[]> {
    const entries = await readdir(join(this.home, 'projects'), { withFileTypes: true }).catch(() => []);
    const records = await Promise.all(
      entries.filter((entry) => entry.isDirectory()).map((entry) => this.get(entry.name).catch(() => undefined)),
    );
    return records.filter((record): record is ProjectRecord => record !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<ProjectRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.projectDir(name), 'project.json'), 'utf8')) as ProjectRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private async write(record: ProjectRecord): Promise<void> {
    const dir = this.projectDir(record.name);
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `project.json.tmp-${process.pid}`);
    await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
    await rename(temporary, join(dir, 'project.json'));
  }

  async create(name: string, root: string): Promise<ProjectRecord> {
    const existing = await this.get(name);
    if (existing) {
      if (existing.root === root) return existing;
      throw new UserError(
        'PROJECT_EXISTS',
        `Project '${name}' already indexes ${existing.root}, not ${root}.`,
        'Choose another name with --project (MCP: project), or remove the existing project first.',
      );
    }
    const now = new Date().toISOString();
    const record: ProjectRecord = { name, root, createdAt: now, updatedAt: now };
    await this.write(record);
    return record;
  }

  async recordIndex(name: string, summary: LastIndexSummary): Promise<void> {
    const record = await this.get(name);
    if (!record) throw unknownProjectError(name, await this.list());
    await this.write({ ...record, updatedAt: new Date().toISOString(), lastIndex: summary });
  }

  async open(name: string): Promise<OpenProject> {
    const record = await this.get(name);
    if (!record) throw unknownProjectError(name, await this.list());
    const dir = this.projectDir(name);
    const lock = ProjectLock.acquire(join(dir, 'lock'), name);
    try {
      const client = await openPgliteDatabase(join(dir, 'pgdata'), this.cacheDir);
      const store = await ProjectStore.open(client).catch(async (error) => {
        await client.close();
        throw error;
      });
      return {
        record,
        store,
        async close() {
          try {
            await store.close();
          } finally {
            lock.release();
          }
        },
      };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async remove(name: string): Promise<void> {
    await rm(this.projectDir(name), { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}
