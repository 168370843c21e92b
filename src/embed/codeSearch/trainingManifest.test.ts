// The training data never holds an evaluation corpus's file: the committed
// manifest's per-file hashes are checked against the sample repository always,
// and against every installed evaluation corpus that this machine has.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MANIFEST = join(REPO, 'models-src/code-search-embedder/training-manifest.json.gz');

interface ManifestPackage {
  name: string;
  version: string;
  registry: string;
  licence?: string;
  skipped?: string;
  /** [path in the package, sha256 of the file, pairs mined] */
  files?: [string, string, number][];
}

interface Manifest {
  packages: ManifestPackage[];
  evaluationCorpora: { name: string; files: number }[];
}

function readManifest(): Manifest {
  return JSON.parse(gunzipSync(readFileSync(MANIFEST)).toString('utf8')) as Manifest;
}

function fileHashes(root: string): Map<string, string> {
  const hashes = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hashes.set(createHash('sha256').update(readFileSync(path)).digest('hex'), path);
    }
  };
  walk(root);
  return hashes;
}

/** Evaluation corpora installed here: CODEBASE_MCP_EVAL_CORPORA (':'-separated) and the install scripts' default places. */
function installedCorpora(): string[] {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const candidates = [
    ...(process.env.CODEBASE_MCP_EVAL_CORPORA ?? '').split(':').filter(Boolean),
    join(cache, 'codebase-mcp/bench/django-corpus'),
    join(cache, 'codebase-mcp/bench/js-corpus'),
    join(cache, 'codebase-mcp/bench/postgres-corpus'),
    '/usr/lib/python3/dist-packages/django',
  ];
  return candidates.filter((dir) => existsSync(dir));
}

describe('training manifest', () => {
  const manifest = readManifest();
  const trainingHashes = new Set(manifest.packages.flatMap((pkg) => (pkg.files ?? []).map(([, hash]) => hash)));

  test('lists packages with versions, licences and per-file hashes', () => {
    const used = manifest.packages.filter((pkg) => !pkg.skipped);
    assert.ok(used.length >= 30, `${used.length} packages`);
    for (const pkg of used) {
      assert.ok(pkg.version && pkg.licence, `${pkg.name} records a version and licence`);
      for (const [, hash] of pkg.files ?? []) assert.match(hash, /^[0-9a-f]{64}$/);
    }
    assert.ok(trainingHashes.size > 1000);
  });

  test('excludes the evaluation corpora by name', () => {
    const names = new Set(manifest.evaluationCorpora.map((corpus) => corpus.name));
    for (const corpus of ['python3-django', 'postgresql-15', 'fastify', 'ws', 'pino', 'test/fixtures/sample-repo']) {
      assert.ok(names.has(corpus), `${corpus} was hashed for exclusion`);
    }
    for (const pkg of manifest.packages) {
      if (['python3-django', 'postgresql-15', 'fastify', 'ws', 'pino'].includes(pkg.name)) assert.ok(pkg.skipped, pkg.name);
    }
  });

  test('holds no file of the sample repository', () => {
    const sample = fileHashes(join(REPO, 'test/fixtures/sample-repo'));
    assert.ok(sample.size > 10);
    const leaked = [...sample].filter(([hash]) => trainingHashes.has(hash)).map(([, path]) => path);
    assert.deepEqual(leaked, []);
  });

  test('holds no file of any evaluation corpus installed on this machine', (t) => {
    const corpora = installedCorpora();
    if (corpora.length === 0) t.diagnostic('no evaluation corpus installed here; set CODEBASE_MCP_EVAL_CORPORA to check one');
    for (const corpus of corpora) {
      const leaked = [...fileHashes(corpus)].filter(([hash]) => trainingHashes.has(hash)).map(([, path]) => path);
      assert.deepEqual(leaked.slice(0, 10), [], `files of ${corpus} in the training data`);
    }
  });
});
