// Freshness end to end through the core API, as a long-lived host runs it:
// real chokidar watchers on a real repository, real PGlite and a real
// PostgreSQL server. Edits, additions, deletions, renames and a 200-file
// branch switch show in search without a call to index, the switch as one job.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type ConfigOverrides } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import type { Embedder } from '../embed/embedder.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { silentLogger } from '../logging/logger.js';
import { dropTestRegistry, testServerUrl, uniqueName, NO_SERVER_REASON } from '../testing/testBackends.js';
import { copyOfSampleRepo, removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { watchWithChokidar, type WatchFactory } from './fileWatcher.js';

/** Every search below must see the change within this long ("within a few seconds"). */
const VISIBLE_WITHIN_MS = 8000;

let embedder: Embedder;

before(async () => {
  embedder = await loadWordVectorEmbedder();
});

after(removeTemporaryDirectories);

function git(repo: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], { cwd: repo, stdio: 'ignore' });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const backends = [
  { name: 'embedded', skip: false as const, url: null },
  { name: 'server', skip: testServerUrl() ? (false as const) : NO_SERVER_REASON, url: testServerUrl() },
];

for (const backend of backends) {
  describe(`freshness while watching (${backend.name})`, { skip: backend.skip }, () => {
    const registryDatabase = uniqueName('cbtest_fresh_registry');
    const services: CodebaseService[] = [];
    /** Every path the real watcher reported, to check what it never reports. */
    const reported: string[] = [];
    let service: CodebaseService;
    let repo: string;
    let project: string;

    async function openService(overrides: ConfigOverrides, watchFactory?: WatchFactory, env: NodeJS.ProcessEnv = {}): Promise<CodebaseService> {
      const home = await temporaryDirectory('fresh-home');
      const config = loadConfig(
        { home, watchDebounceMs: 300, pollIntervalMs: 400, ...(backend.url ? { databaseUrl: backend.url, registryDatabase } : {}), ...overrides },
        env,
      );
      const opened = CodebaseService.create(config, async () => embedder, silentLogger, { idleTimeoutMs: 60_000, watch: true, watchFactory });
      services.push(opened);
      return opened;
    }

    async function indexed(target: CodebaseService, root: string, name: string): Promise<void> {
      await target.indexRepository({ path: root, project: name });
      // Watching starts after the first index; its first full check then finds nothing to do.
      for (let waited = 0; waited < 5000; waited += 50) {
        const watcher = target.watchers.get(name);
        if (watcher && watcher.status().state !== 'starting') return watcher.settled();
        await sleep(50);
      }
    }

    /** Searches until `found` holds for the results' paths; returns how long that took. */
    async function visibleWithin(target: CodebaseService, name: string, query: string, found: (paths: string[]) => boolean): Promise<number> {
      const started = Date.now();
      let paths: string[] = [];
      while (Date.now() - started < VISIBLE_WITHIN_MS) {
        const outcome = await target.search({ query, project: name, mode: 'lexical', limit: 10 }, []);
        paths = outcome.results.map((hit) => hit.path);
        if (found(paths)) return Date.now() - started;
        await sleep(100);
      }
      assert.fail(`search for "${query}" did not show the change within ${VISIBLE_WITHIN_MS} ms (got ${paths.join(', ') || 'nothing'})`);
    }

    const watchJobs = (target: CodebaseService, name: string) => target.jobs.forProject(name).filter((job) => job.trigger === 'watch');

    before(async () => {
      repo = await copyOfSampleRepo();
      git(repo, 'init', '-q', '-b', 'main');
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'sample');
      // A branch that changes 200 files: 190 new ones in 10 directories, and 10 existing ones edited.
      git(repo, 'checkout', '-q', '-b', 'bulk');
      for (let dir = 0; dir < 10; dir++) {
        await mkdir(join(repo, 'bulk', `area${dir}`), { recursive: true });
        for (let file = 0; file < 19; file++) {
          await writeFile(join(repo, 'bulk', `area${dir}`, `handler_${file}.py`), `def bulk_branch_handler_${dir}_${file}(event):\n    """Branch bulk handler."""\n    return event\n`);
        }
      }
      const existing = [
        'api/src/Paginator.php', 'cms/lib/slug.rb', 'services/cache/lru_cache.py', 'web/src/cart/cart.ts', 'web/src/components/DatePicker.tsx',
        'web/src/lib/debounce.js', 'web/src/lib/eventEmitter.js', 'web/src/lib/markdown.js', 'services/auth/passwords.py', 'services/api/rate_limiter.py',
      ];
      for (const path of existing) await appendFile(join(repo, path), '\n// bulk branch marker zebrafinch\n');
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'bulk');
      git(repo, 'checkout', '-q', 'main');
      const realWatch: WatchFactory = (root, ignores, events) =>
        watchWithChokidar(root, ignores, { onChange: (path) => (reported.push(path), events.onChange(path)), onError: events.onError });
      service = await openService({}, realWatch);
      project = uniqueName('fresh').replace(/_/g, '-');
      await indexed(service, repo, project);
    });

    after(async () => {
      await Promise.all(services.map((opened) => opened.close()));
      if (backend.url) await dropTestRegistry(backend.url, registryDatabase);
    });

    test('the project is watched, and ignored directories are not', async () => {
      const status = await service.status(project, []);
      assert.equal(status.watcher.state, 'watching', JSON.stringify(status.watcher));
      assert.deepEqual(
        (await service.watcherStatuses()).map((entry) => [entry.project, entry.root, entry.watcher.state]),
        [[project, repo, 'watching']],
      );
      const watched = service.watchers.get(project)!.watchedDirectories();
      assert.ok(watched.includes('services/auth'), `source directories are watched (${watched.join(', ')})`);
      for (const ignored of ['.git', 'node_modules', 'node_modules/leftpad', 'dist', 'build', 'generated', 'tmp-output']) {
        assert.ok(!watched.includes(ignored), `${ignored} is not watched`);
      }
    });

    test('writes in ignored directories produce no events and no job', async () => {
      const jobsBefore = service.jobs.forProject(project).length;
      reported.length = 0;
      await writeFile(join(repo, 'node_modules', 'leftpad', 'ignored_write.js'), 'export const x = 1;\n');
      await writeFile(join(repo, 'generated', 'ignored_write.py'), 'x = 1\n');
      await writeFile(join(repo, 'dist', 'ignored_write.js'), 'x = 1\n');
      await sleep(1200);
      assert.deepEqual(reported, []);
      assert.equal(service.jobs.forProject(project).length, jobsBefore);
    });

    test('an edited file shows in search without a call to index', async () => {
      const target = 'services/auth/passwords.py';
      await appendFile(join(repo, target), '\n\ndef capybara_rotation_window():\n    return "capybara"\n');
      await visibleWithin(service, project, 'capybara rotation window', (paths) => paths[0] === target);
      const outcome = await service.search({ query: 'capybara rotation window', project, mode: 'lexical' }, []);
      assert.equal(outcome.results[0].stale, false, 'the result is from the file as it is now');
      assert.equal(outcome.watcher, 'watching');
      assert.ok(outcome.indexedAt && Date.parse(outcome.indexedAt) > Date.now() - 60_000, `indexed_at is recent (${outcome.indexedAt})`);
    });

    test('an added file shows in search, and a deleted one leaves it', async () => {
      await writeFile(join(repo, 'services', 'ocelot_added.py'), 'def ocelot_checksum_added(data):\n    return sum(data)\n');
      await visibleWithin(service, project, 'ocelot checksum added', (paths) => paths.includes('services/ocelot_added.py'));
      await rm(join(repo, 'services', 'ocelot_added.py'));
      await visibleWithin(service, project, 'ocelot checksum added', (paths) => !paths.includes('services/ocelot_added.py'));
    });

    test('a renamed file is found under its new name only', async () => {
      await writeFile(join(repo, 'services', 'tapir_before.py'), 'def tapir_rename_marker():\n    return 1\n');
      await visibleWithin(service, project, 'tapir rename marker', (paths) => paths.includes('services/tapir_before.py'));
      await rename(join(repo, 'services', 'tapir_before.py'), join(repo, 'services', 'tapir_after.py'));
      await visibleWithin(
        service,
        project,
        'tapir rename marker',
        (paths) => paths.includes('services/tapir_after.py') && !paths.includes('services/tapir_before.py'),
      );
    });

    test('git checkout of a branch that changes 200 files is applied as one job', async () => {
      // The earlier tests' edits are committed first (that changes no file), so the switch can go ahead.
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'edits of the earlier tests');
      await service.watchers.get(project)!.settled();
      const before = watchJobs(service, project).length;
      git(repo, 'checkout', '-q', 'bulk');
      await visibleWithin(service, project, 'bulk branch handler', (paths) => paths.some((path) => path.startsWith('bulk/')));
      await service.watchers.get(project)!.settled();
      await sleep(800); // any straggling event would start a second job by now
      const jobs = watchJobs(service, project).slice(before);
      assert.equal(jobs.length, 1, `one job for the switch (${jobs.map((job) => `${job.summary?.filesIndexed} files`).join(', ')})`);
      assert.equal(jobs[0].summary?.changes?.added.filter((path) => path.startsWith('bulk/')).length, 190);
      assert.equal(jobs[0].summary?.changes?.changed.length, 10);
      assert.deepEqual(jobs[0].summary?.changes?.deleted, ['services/tapir_after.py'], 'added on main after the branch was made');
      const status = await service.status(project, []);
      assert.equal(status.watcher.pendingChanges, 0);
      // And back: the 190 files leave the index, again in one job.
      git(repo, 'checkout', '-q', 'main');
      await visibleWithin(service, project, 'bulk branch handler', (paths) => !paths.some((path) => path.startsWith('bulk/')));
      await service.watchers.get(project)!.settled();
      await sleep(800);
      const back = watchJobs(service, project).slice(before + 1);
      assert.equal(back.length, 1);
      assert.equal(back[0].summary?.changes?.deleted.length, 190);
      assert.deepEqual(back[0].summary?.changes?.added, ['services/tapir_after.py']);
    });

    test('at the watch limit (ENOSPC) the project falls back to periodic checks, and status says how to fix it', async () => {
      const limited: WatchFactory = (root, ignores, events) => {
        const real = watchWithChokidar(root, ignores, events);
        const error = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached, watch'), { code: 'ENOSPC' });
        void real.ready.then(() => events.onError(error));
        return real;
      };
      const limitedService = await openService({}, limited);
      const limitedRepo = await copyOfSampleRepo();
      const name = uniqueName('limit').replace(/_/g, '-');
      await indexed(limitedService, limitedRepo, name);
      const status = await limitedService.status(name, []);
      assert.equal(status.watcher.state, 'polling', JSON.stringify(status.watcher));
      assert.match(status.watcher.detail ?? '', /watch limit was reached \(ENOSPC/);
      assert.match(status.watcher.fix ?? '', /sysctl fs\.inotify\.max_user_watches=\d+/);
      assert.deepEqual(limitedService.watchers.get(name)!.watchedDirectories(), [], 'no watches held while polling');
      await writeFile(join(limitedRepo, 'services', 'polled_lynx.py'), 'def polled_lynx_marker():\n    return 1\n');
      await visibleWithin(limitedService, name, 'polled lynx marker', (paths) => paths.includes('services/polled_lynx.py'));
    });

    test('with CODEBASE_MCP_WATCH=0 nothing is watched: results say stale, and sync_index clears it', async () => {
      const offService = await openService({}, undefined, { CODEBASE_MCP_WATCH: '0' });
      const offRepo = await copyOfSampleRepo();
      const name = uniqueName('off').replace(/_/g, '-');
      await offService.indexRepository({ path: offRepo, project: name });
      const status = await offService.status(name, []);
      assert.equal(status.watcher.state, 'off');
      assert.match(status.watcher.detail ?? '', /CODEBASE_MCP_WATCH=0/);
      assert.equal(offService.watchers.get(name), undefined);
      const target = 'services/auth/jwt_verifier.py';
      const original = await readFile(join(offRepo, target), 'utf8');
      await writeFile(join(offRepo, target), `${original}\n\ndef narwhal_unsynced_marker():\n    return 2\n`);
      await sleep(1000);
      const stale = await offService.search({ query: 'verify jwt token signature', project: name, mode: 'lexical' }, []);
      const hit = stale.results.find((result) => result.path === target);
      assert.ok(hit, `the edited file is among the results (${stale.results.map((result) => result.path).join(', ')})`);
      assert.equal(hit.stale, true);
      assert.ok(stale.results.some((result) => !result.stale), 'unchanged files are not stale');
      assert.equal(stale.pendingChanges, null);
      assert.match(stale.notices.join(' '), /sync_index/);
      assert.equal((await offService.search({ query: 'narwhal unsynced marker', project: name, mode: 'lexical' }, [])).results.some((result) => result.path === target && result.symbol === 'narwhal_unsynced_marker'), false);
      const synced = await offService.syncIndex(name, []);
      assert.deepEqual(synced.summary.changes, { added: [], changed: [target], deleted: [] });
      assert.equal(synced.job.trigger, 'sync');
      const fresh = await offService.search({ query: 'verify jwt token signature', project: name, mode: 'lexical' }, []);
      assert.equal(fresh.results.find((result) => result.path === target)?.stale, false);
      assert.equal(fresh.results.filter((result) => result.stale).length, 0);
      const again = await offService.syncIndex(name, []);
      assert.deepEqual(again.summary.changes, { added: [], changed: [], deleted: [] }, 'a second sync finds nothing');
    });

    test('watching can be turned off for one project in the config file', async () => {
      const name = uniqueName('quiet').replace(/_/g, '-');
      const quietService = await openService({ projects: { [name]: { watch: false } } });
      await quietService.indexRepository({ path: await copyOfSampleRepo(), project: name });
      const status = await quietService.status(name, []);
      assert.equal(status.watcher.state, 'off');
      assert.match(status.watcher.detail ?? '', /turned off for this project/);
    });
  });
}
