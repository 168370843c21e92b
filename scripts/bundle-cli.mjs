#!/usr/bin/env node
// Bundles the CLI's front end into dist/cli/main.js, after `tsc` has emitted it.
//
// Why: a warm CLI search is Node's start plus loading the front end. Node 20's
// ESM loader resolves, reads and compiles ~45 files one by one (commander,
// zod, ~20 of ours), about 75 ms on this 2-core machine; one file takes a
// fraction of that. Only the front end is bundled: the modules it loads for a
// service round trip. Everything reached by a dynamic import outside cli/ and
// client/ (the in-process CodebaseService, PGlite, tree-sitter, the MCP and
// HTTP servers, bench) stays the plain tsc output, imported from the bundle by
// a path relative to it, so the service and `--no-service` run the same files
// as before. The unbundled tsc output is a working CLI too; this is only speed.
//
// Classes checked with instanceof across that boundary brand their instances
// (see UserError), because a bundled copy and the tsc copy are two classes.
import { build } from 'esbuild';
import { chmodSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const entry = join(dist, 'cli', 'main.js');
const unbundled = join(dist, 'cli', 'main.unbundled.js');
const bundledDirectories = [join(dist, 'cli') + sep, join(dist, 'client') + sep];

/** Dynamic imports of in-process modules stay external, rewritten relative to the bundle. */
const keepInProcessModulesExternal = {
  name: 'keep-in-process-modules-external',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const target = resolve(args.resolveDir, args.path);
      if (bundledDirectories.some((directory) => target.startsWith(directory))) return undefined;
      const fromBundle = relative(dirname(entry), target).split(sep).join('/');
      return { path: fromBundle.startsWith('.') ? fromBundle : `./${fromBundle}`, external: true };
    });
  },
};

/** The first line after the shebang of a bundle: bundling it again would nest it in itself. */
const BUNDLE_MARK = '// Bundled by scripts/bundle-cli.mjs from the tsc output; run `npm run build` to rebuild.';

if (readFileSync(entry, 'utf8').includes(BUNDLE_MARK)) {
  console.log('bundle: dist/cli/main.js is already bundled (run tsc first to bundle it again)');
  process.exit(0);
}

renameSync(entry, unbundled);
try {
  const result = await build({
    entryPoints: [unbundled],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Bundle only the front end's light dependencies; the rest load from node_modules.
    plugins: [keepInProcessModulesExternal, bundleOnly(['commander', 'zod'])],
    // commander is CommonJS: its require('node:events') needs a real require.
    banner: { js: `${BUNDLE_MARK}\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);` },
    logLevel: 'warning',
    metafile: true,
  });
  chmodSync(entry, 0o755);
  rmSync(unbundled);
  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(`bundle: dist/cli/main.js from ${inputs} modules`);
} catch (error) {
  renameSync(unbundled, entry);
  throw error;
}

/** Marks every package external except the named ones, which are bundled. */
function bundleOnly(names) {
  return {
    name: 'bundle-only',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.bundleOnly) return undefined;
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        if (args.path.startsWith('node:') || !names.includes(name)) return { path: args.path, external: true };
        return esbuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { bundleOnly: true } });
      });
    },
  };
}
