// The web page in a real headless Chromium (Debian's chromium, driven by
// playwright-core): token entry, search, projects, live indexing progress.
// Screenshots (light and dark) go to test-output/web/ for people to look at.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { copyOfSampleRepo, isolatedEnv, REPO_ROOT, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';
import { spawnHttpServer, type HttpServerProcess } from './httpServerProcess.js';

const CHROMIUM = process.env.CODEBASE_MCP_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = join(REPO_ROOT, 'test-output', 'web');
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CODEBASE_MCP_CHROMIUM`;
if (skip) console.log(`# skipping the browser tests: ${skip}`);

let server: HttpServerProcess;
let context: BrowserContext;
let page: Page;

async function shoot(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

before(async () => {
  if (skip) return;
  const home = await temporaryDirectory('web-home');
  const repo = await copyOfSampleRepo();
  const env = isolatedEnv(home, { CODEBASE_MCP_ALLOWED_ROOTS: dirname(repo), CODEBASE_MCP_IDLE_TIMEOUT_MS: '600000' });
  const indexed = await runCli(['index', repo, '--project', 'shop'], { env });
  assert.equal(indexed.code, 0, indexed.stderr);
  server = await spawnHttpServer({ home, env });
  await mkdir(SCREENSHOTS, { recursive: true });
  const { chromium } = await import('playwright-core');
  context = await chromium.launchPersistentContext(await temporaryDirectory('chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
});

after(async () => {
  await context?.close();
  await server?.stop();
  await removeTemporaryDirectories();
});

test('without a token the page asks for one, and says so when it is wrong', { skip }, async () => {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Token', { exact: true }).waitFor();
  assert.equal(await page.locator('#view-search').isVisible(), false);
  await shoot('token');
  await page.getByLabel('Token', { exact: true }).fill('certainly-not-the-token');
  await page.getByLabel('Token', { exact: true }).press('Enter');
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /refused this token \(401\)/);
  await shoot('token-wrong');
});

test('with the token: a search finds the expected file first, highlighted, with an editor link', { skip }, async () => {
  await page.getByLabel('Token', { exact: true }).fill(server.token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.getByLabel('Search query').waitFor();
  assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('codebase-mcp-token')), server.token);
  await page.getByLabel('Project', { exact: true }).selectOption('shop');
  await page.getByLabel('Search query').fill('ring buffer push and pop');
  await page.getByLabel('Search query').press('Enter');
  const first = page.locator('.result').first();
  await first.waitFor();
  assert.equal(await first.locator('.path').innerText(), 'firmware/ring_buffer.c');
  const href = await first.locator('a.path').getAttribute('href');
  assert.match(href ?? '', /^vscode:\/\/file\/.+\/sample-repo\/firmware\/ring_buffer\.c:\d+$/);
  assert.ok((await first.locator('.tok-kw').count()) > 0, 'keywords are highlighted');
  assert.match(await page.locator('#search-status').innerText(), /results in shop \(hybrid/);
  await shoot('search');

  // Filters reach the server: only Go files for a Go-only language filter.
  await page.getByLabel('Language', { exact: true }).fill('go');
  await page.getByLabel('Mode', { exact: true }).selectOption('lexical');
  await page.getByLabel('Search query').fill('shutdown');
  await page.locator('#search-form').getByRole('button', { name: 'Search' }).click();
  await page.locator('#search-status', { hasText: '(lexical' }).waitFor();
  const languages = await page.locator('.result .badge').allInnerTexts();
  assert.ok(languages.length > 0 && languages.filter((text) => text !== 'truncated').every((text) => text === 'go'), languages.join(','));
});

test('the projects view shows the index and a job live up to 100 %', { skip }, async () => {
  await page.getByRole('button', { name: 'Projects' }).click();
  const card = page.locator('article.project', { hasText: 'shop' });
  await card.waitFor();
  assert.match(await card.locator('dl').innerText(), /Files\s+\d+/);
  assert.ok((await card.locator('svg rect').count()) >= 3, 'a language chart');
  // The service also knows the CLI's earlier job: follow the job this Rebuild started, by its id.
  const started = page.waitForResponse((response) => response.url().endsWith('/api/index') && response.request().method() === 'POST');
  await card.getByRole('button', { name: 'Rebuild' }).click();
  const { job } = (await (await started).json()) as { job: { job_id: string } };
  const jobView = card.locator(`.job[data-job="${job.job_id}"]`);
  await jobView.waitFor();
  const seen = new Set<string>();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const text = await jobView.innerText();
    const percent = (/(\d+) %/.exec(text) ?? [])[1] ?? '';
    if (percent !== '100' && /Indexing:/.test(text) && seen.size === 0) await page.screenshot({ path: join(SCREENSHOTS, 'projects-running-light.png') });
    seen.add(percent);
    if (/Last job: succeeded/.test(text)) break;
    assert.ok(Date.now() < deadline, `job did not finish: ${text}`);
    await page.waitForTimeout(100);
  }
  assert.equal(await jobView.locator('.percent').innerText(), '100 %');
  assert.equal(await jobView.locator('progress').getAttribute('value'), '100');
  assert.ok([...seen].some((value) => value !== '100'), `progress was shown before the end: ${[...seen].join(',')}`);
  await shoot('projects');
});
