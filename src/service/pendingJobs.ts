// Index jobs the service owes its clients, kept on disk: a service that is
// stopped, replaced or killed leaves them here, and the next one resumes
// them under the same job id (the indexer continues from what is committed).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const pendingJob = z.object({
  id: z.string(),
  request: z.object({ path: z.string(), project: z.string().optional(), force: z.boolean().optional(), serverUrl: z.string().optional() }),
  /** Services that started it; a job that keeps killing its service is given up. */
  attempts: z.number().int(),
  since: z.string(),
});
export type PendingJob = z.infer<typeof pendingJob>;

export const MAX_RESUME_ATTEMPTS = 3;

export class PendingJobs {
  private jobs: PendingJob[];

  constructor(private readonly path: string) {
    this.jobs = PendingJobs.read(path);
  }

  private static read(path: string): PendingJob[] {
    try {
      const parsed = z.array(pendingJob).safeParse(JSON.parse(readFileSync(path, 'utf8')));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  list(): PendingJob[] {
    return [...this.jobs];
  }

  add(job: PendingJob): void {
    this.jobs = [...this.jobs.filter((entry) => entry.id !== job.id), job];
    this.save();
  }

  remove(id: string): void {
    const before = this.jobs.length;
    this.jobs = this.jobs.filter((entry) => entry.id !== id);
    if (this.jobs.length !== before) this.save();
  }

  private save(): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.jobs, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
  }
}
