// Public surface of the scan stage: which files of a repository get indexed,
// and reading one of them as text.
export { scanRepository, scanPaths, RepositoryIgnores, DEFAULT_MAX_FILE_BYTES } from './scanRepository.js';
export { readSourceFile, type ReadSourceFileOptions, type SourceFileContent } from './readSourceFile.js';
export { ScanRootError, type ScanRootProblem } from './scanRootError.js';
export { isLikelySecretPath, containsPrivateKeyBlock, SECRET_FILE_PATTERNS } from './secrets.js';
export { VERSION_CONTROL_NAMES, BUILTIN_IGNORED_NAMES, BUILTIN_IGNORED_FILE_PATTERNS } from './builtinIgnores.js';
export { IGNORE_FILE_NAMES } from './ignoreRules.js';
export type { ScannedFile, SkippedFile, SkipReason, ScanOptions, ScanResult } from './types.js';
export { leftOutWarning, describeRule } from './leftOutReport.js';
export type { LeftOutRule } from './types.js';
