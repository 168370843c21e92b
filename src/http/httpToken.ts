// The bearer token of the HTTP front end: CODEBASE_MCP_HTTP_TOKEN, else one
// generated once into $CODEBASE_MCP_HOME/http-token (mode 0600) and reused.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/userError.js';

export interface HttpToken {
  value: string;
  /** Where it came from: the environment, or the file it is stored in. */
  source: 'environment' | 'file';
  path: string | null;
  /** True when the file was written just now. */
  created: boolean;
}

export const TOKEN_FILE = 'http-token';

export async function resolveHttpToken(home: string, fromEnv: string | undefined): Promise<HttpToken> {
  if (fromEnv) return { value: fromEnv, source: 'environment', path: null, created: false };
  const path = join(home, TOKEN_FILE);
  const existing = await readFile(path, 'utf8').then((text) => text.trim(), () => null);
  if (existing) {
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077) {
      throw new UserError(
        'CONFIG_INVALID',
        `The token file ${path} is readable by other users (mode ${mode.toString(8)}).`,
        `Run chmod 600 ${path}, or delete it to have a new token generated.`,
      );
    }
    return { value: existing, source: 'file', path, created: false };
  }
  await mkdir(home, { recursive: true });
  const value = randomBytes(32).toString('base64url');
  await writeFile(path, `${value}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await chmod(path, 0o600);
  // Another process may have won the race to create it: its token is the one.
  const stored = (await readFile(path, 'utf8')).trim();
  return { value: stored, source: 'file', path, created: stored === value };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares equal-length digests, so neither the content nor the length of the token leaks through timing. */
export function tokenMatcher(token: string): (candidate: string | undefined) => boolean {
  const expected = digest(token);
  return (candidate) => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
}

/** The token of an `Authorization: Bearer …` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer[ \t]+([^\s]+)\s*$/i.exec(header) : null;
  return match?.[1];
}
