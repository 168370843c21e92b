// The web page's files (src/web, copied to dist/web by the build), read once
// and served from memory. They hold no data: every data endpoint needs the token.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticAsset {
  body: Buffer;
  type: string;
}

/** URL path → file, for the page's own files only (no directory walking from the URL). */
export function loadStaticAssets(root: string): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const name of readdirSync(root)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    assets.set(`/${name}`, { body: readFileSync(join(root, name)), type });
  }
  const index = assets.get('/index.html');
  if (index) assets.set('/', index);
  return assets;
}

/** The page loads nothing from elsewhere and runs no inline script. */
export const PAGE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
