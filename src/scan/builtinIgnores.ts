// What the scanner leaves out of every repository, before any ignore file is
// read. These are gitignore patterns matched by the `ignore` package, and
// they come in two tiers:
//
// - Version-control metadata (.git, .hg, ...) is never indexed, whatever an
//   ignore file says.
// - Everything else (dependencies, build output, lock files, bundles,
//   binaries) is a default the repository can override with a negation that
//   spells the name out: `!dist/`, `!vendor/`, `!package-lock.json` in a
//   .gitignore, a .codebase-mcp-ignore or `extraIgnorePatterns`. A negation
//   with a wildcard in its last segment (`!*/`, `!*.ts`) does not override a
//   built-in: those are how whitelist-style ignore files ("ignore *, then
//   un-ignore what we keep") counter their own `*`, and they must not drag
//   node_modules/ into the index. (See `IgnoreRules.isIgnored`.)
//
// Likely secrets are not built-in ignores at all: only `includeSecrets` lets them in.

import ignore from 'ignore';

/**
 * Version-control metadata: never indexed. No trailing slash on `.git`: it
 * is a file in worktrees and submodules.
 */
export const VERSION_CONTROL_NAMES: readonly string[] = ['.git', '.hg', '.svn', '.bzr', '_darcs', '.jj', 'CVS/'];

/** Installed dependencies: somebody else's code, and usually a lot of it. */
const DEPENDENCY_DIRECTORIES = [
  'node_modules/', 'bower_components/', 'jspm_packages/', '.pnpm-store/', '.yarn/', 'vendor/',
  '.venv/', 'venv/', '__pycache__/', '.tox/', '.nox/', 'site-packages/', '.eggs/', '*.egg-info/',
  '.bundle/', 'Pods/', 'Carthage/', 'elm-stuff/', '.dart_tool/', '.pub-cache/', '.stack-work/',
];

/** Build output and generated artefacts. */
const BUILD_OUTPUT_DIRECTORIES = [
  'dist/', 'build/', 'out/', 'target/', '_build/', '.next/', '.nuxt/', '.svelte-kit/', '.output/',
  '.vercel/', '.netlify/', '.angular/', '.docusaurus/', '.expo/', '.turbo/', '.parcel-cache/',
  'coverage/', '.nyc_output/', 'htmlcov/', '.gradle/', '.cache/', '.terraform/', '.serverless/',
  '.aws-sam/', 'storybook-static/', 'cmake-build-*/', 'CMakeFiles/', '.zig-cache/', 'zig-out/',
  'DerivedData/', '*.dSYM/',
];

/** Editor, OS and tool caches. */
const TOOL_CACHES = [
  '.idea/', '.vs/', '.history/', '.pytest_cache/', '.mypy_cache/', '.ruff_cache/', '.hypothesis/',
  '.ipynb_checkpoints/', '.sass-cache/', '.eslintcache', '.stylelintcache', '*.tsbuildinfo',
  '*.swp', '*.swo', '*~', '.DS_Store', 'Thumbs.db', 'desktop.ini',
];

/** Lock files: machine-written, huge, and they would drown keyword search in version strings. */
const LOCK_FILES = [
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb',
  'deno.lock', 'Cargo.lock', 'poetry.lock', 'Pipfile.lock', 'pdm.lock', 'uv.lock', 'Gemfile.lock',
  'composer.lock', 'go.sum', 'go.work.sum', 'mix.lock', 'pubspec.lock', 'Podfile.lock',
  'packages.lock.json', 'flake.lock', 'gradle.lockfile', 'Package.resolved', 'conda-lock.yml',
];

/** Minified bundles and source maps (matched case-insensitively). */
const MINIFIED_BUNDLES = [
  '*.min.js', '*.min.mjs', '*.min.cjs', '*.min.css', '*.map', '*.bundle.js', '*.chunk.js',
];

/** File extensions whose content is never source text (matched case-insensitively). */
const BINARY_EXTENSIONS = [
  // images
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'tif', 'tiff', 'webp', 'avif', 'heic', 'heif',
  'psd', 'xcf',
  // fonts
  'ttf', 'otf', 'woff', 'woff2', 'eot',
  // audio and video
  'mp3', 'wav', 'ogg', 'oga', 'flac', 'aac', 'm4a', 'wma', 'opus', 'mid', 'midi',
  'mp4', 'm4v', 'mov', 'avi', 'mkv', 'webm', 'wmv', 'flv', 'mpg', 'mpeg', '3gp',
  // archives and packages
  'zip', 'tar', 'gz', 'tgz', 'bz2', 'tbz2', 'xz', 'txz', 'zst', 'lz', 'lzma', '7z', 'rar', 'cab',
  'deb', 'rpm', 'dmg', 'iso', 'apk', 'ipa', 'jar', 'war', 'ear', 'nupkg', 'whl', 'egg', 'gem',
  // executables, objects, libraries, bytecode
  'exe', 'dll', 'so', 'dylib', 'a', 'lib', 'o', 'obj', 'ko', 'elf', 'bin', 'pdb', 'ilk', 'idb',
  'class', 'pyc', 'pyo', 'pyd', 'wasm', 'node', 'beam', 'elc', 'luac', 'rlib',
  // documents
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'epub',
  // databases
  'sqlite', 'sqlite3', 'db', 'db3', 'mdb', 'accdb', 'rdb',
  // data and model weights
  'npy', 'npz', 'pkl', 'pickle', 'h5', 'hdf5', 'parquet', 'onnx', 'pt', 'pth', 'ckpt',
  'safetensors', 'tflite',
];

/** Names matched with the repository's own case rules (a `Build/` is not a `build/`). */
export const BUILTIN_IGNORED_NAMES: readonly string[] = [
  ...DEPENDENCY_DIRECTORIES,
  ...BUILD_OUTPUT_DIRECTORIES,
  ...TOOL_CACHES,
  ...LOCK_FILES,
];

/** Patterns matched regardless of case: `LOGO.PNG` is as binary as `logo.png`. */
export const BUILTIN_IGNORED_FILE_PATTERNS: readonly string[] = [
  ...MINIFIED_BUNDLES,
  ...BINARY_EXTENSIONS.map((extension) => `*.${extension}`),
];

/** Which tier of built-in rule leaves a name out. */
export type BuiltinIgnoreTier = 'version-control' | 'overridable';

/**
 * Matches a file or folder name against the built-in rules.
 *
 * Every built-in pattern concerns a name alone (none has an inner slash), so
 * only the base name is tested — which also keeps a built-in rule from
 * reaching a file through a parent folder the repository re-included.
 * Testing each name against ~250 patterns cost ~25 µs, most of a scan; so the
 * overridable rules are grouped by the literal extension they end with
 * (`*.min.js` and `*.bundle.js` under "js", `Cargo.lock` under "lock",
 * `node_modules/` under "node_modules") and a name is tested only against its
 * own group and the few patterns with a wildcard in that position. Matching
 * itself is still done by `ignore`.
 */
export class BuiltinIgnores {
  private readonly versionControl: ignore.Ignore;
  private readonly rulesByExtension = new Map<string, ignore.Ignore>();
  private readonly rulesForEveryName: ignore.Ignore;
  private readonly explained = new Map<string, string | undefined>();

  /** `ignoreCase` applies to the names; file patterns always ignore case. */
  constructor(private readonly ignoreCase: boolean) {
    this.versionControl = ignore({ ignorecase: ignoreCase }).add([...VERSION_CONTROL_NAMES]);
    const groups = new Map<string, { names: string[]; filePatterns: string[] }>();
    const groupFor = (pattern: string) => {
      const key = extensionKey(pattern.replace(/\/$/, ''));
      const groupKey = /[*?[\]\\]/.test(key) ? '' : key; // '' holds the patterns every name must meet
      let group = groups.get(groupKey);
      if (group === undefined) groups.set(groupKey, (group = { names: [], filePatterns: [] }));
      return group;
    };
    for (const pattern of BUILTIN_IGNORED_NAMES) groupFor(pattern).names.push(pattern);
    for (const pattern of BUILTIN_IGNORED_FILE_PATTERNS) groupFor(pattern).filePatterns.push(pattern);

    const compile = ({ names, filePatterns }: { names: string[]; filePatterns: string[] }) =>
      ignore({ ignorecase: ignoreCase }).add(names).add(ignore({ ignorecase: true }).add(filePatterns));
    this.rulesForEveryName = compile(groups.get('') ?? { names: [], filePatterns: [] });
    for (const [key, group] of groups) if (key !== '') this.rulesByExtension.set(key, compile(group));
  }

  /** The tier of built-in rule that leaves `name` out, or undefined if none does. */
  match(name: string, isDirectory: boolean): BuiltinIgnoreTier | undefined {
    const candidate = isDirectory ? `${name}/` : name;
    if (this.versionControl.ignores(candidate)) return 'version-control';
    const group = this.rulesByExtension.get(extensionKey(name));
    if (group?.ignores(candidate) || this.rulesForEveryName.ignores(candidate)) return 'overridable';
    return undefined;
  }

  /** The built-in pattern that matches `name`, for reports (slow: only for names `match` flagged). */
  explain(name: string, isDirectory: boolean): string | undefined {
    const candidate = isDirectory ? `${name}/` : name;
    if (this.explained.has(candidate)) return this.explained.get(candidate);
    const tests: Array<[readonly string[], boolean]> = [
      [VERSION_CONTROL_NAMES, this.ignoreCase],
      [BUILTIN_IGNORED_NAMES, this.ignoreCase],
      [BUILTIN_IGNORED_FILE_PATTERNS, true],
    ];
    for (const [patterns, ignoreCase] of tests) {
      const found = patterns.find((pattern) => ignore({ ignorecase: ignoreCase }).add(pattern).ignores(candidate));
      if (found !== undefined) {
        this.explained.set(candidate, found);
        return found;
      }
    }
    this.explained.set(candidate, undefined);
    return undefined;
  }
}

/**
 * The text after a name's last dot, lower-cased (the whole name if it has no
 * dot). A pattern whose key is literal can only match names with the same key.
 */
function extensionKey(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1).toLowerCase();
}
