// PostgreSQL connection URLs: the same server with another database, and a
// form that is safe to print (never a password).

function parse(url: string): URL {
  return new URL(url);
}

/** The URL with its password replaced, for messages, logs and JSON output. */
export function redactUrl(url: string): string {
  try {
    const parsed = parse(url);
    if (parsed.password) parsed.password = '***';
    const params = parsed.searchParams;
    if (params.has('password')) params.set('password', '***');
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The same server and credentials, connected to `database`. */
export function urlWithDatabase(url: string, database: string): string {
  const parsed = parse(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database a URL names ('postgres' when it names none, as libpq would use the user name we cannot know). */
export function databaseOfUrl(url: string): string {
  const name = decodeURIComponent(parse(url).pathname.replace(/^\//, ''));
  return name || 'postgres';
}

/** host:port for messages ('localhost:5432' defaults as libpq has them). */
export function serverAddress(url: string): string {
  const parsed = parse(url);
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  return `${host}:${parsed.port || '5432'}`;
}

export function isPostgresUrl(url: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(parse(url).protocol);
  } catch {
    return false;
  }
}

/** Two URLs name the same server (host, port and user; the database part is ignored). */
export function sameServer(a: string, b: string): boolean {
  const [left, right] = [parse(a), parse(b)];
  return serverAddress(a) === serverAddress(b) && left.username === right.username;
}
