// A distinct error class for a bad scan root, so the CLI and MCP layers can
// turn it into a user-facing message instead of a crash report.

export type ScanRootProblem = 'not-found' | 'not-a-directory' | 'unreadable';

export class ScanRootError extends Error {
  override readonly name = 'ScanRootError';

  constructor(
    readonly root: string,
    readonly problem: ScanRootProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static notFound(root: string, cause?: unknown): ScanRootError {
    return new ScanRootError(
      root,
      'not-found',
      `Cannot scan "${root}": no such directory. Check the path and pass the repository's top-level folder.`,
      { cause },
    );
  }

  static notADirectory(root: string): ScanRootError {
    return new ScanRootError(
      root,
      'not-a-directory',
      `Cannot scan "${root}": it is a file, not a directory. Pass the repository's top-level folder instead.`,
    );
  }

  static unreadable(root: string, cause: unknown): ScanRootError {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
    return new ScanRootError(
      root,
      'unreadable',
      `Cannot scan "${root}": the directory cannot be read (${code}). Check its permissions, or run as a user who can read it.`,
      { cause },
    );
  }
}
