// host:port and URL checks shared by `http.listen`, tcp probes, upstreams and URL probes.

/** A parsed `host:port`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):([0-9]{1,5})$/;

/**
 * Parses `0.0.0.0:80`, `127.0.0.1:8080`, `[::]:80`, `localhost:80`, or `:80` (host "" then
 * means all interfaces: `allInterfaces` is used in its place, or it is an error when absent).
 */
export function parseHostPort(text: string, allInterfaces?: string): HostPort | { error: string } {
  const m = HOST_PORT.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m) return { error: 'expected host:port like 127.0.0.1:8080, [::]:80 or :80' };
  if (port > 65535) return { error: `port ${port} is out of range (0-65535)` };
  const host = m[1] ?? m[2] ?? '';
  if (host === '') {
    return allInterfaces === undefined
      ? { error: 'expected host:port with a host, like 127.0.0.1:6379' }
      : { host: allInterfaces, port };
  }
  return { host, port };
}

/** Whether `text` is an absolute URL with one of `protocols` (e.g. ["http:", "https:"]). */
export function isUrl(text: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.host !== '';
  } catch {
    return false;
  }
}

/** The URL with credentials and query replaced by `***` (for plans and messages). */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.username === '' && url.password === '' && url.search === '') return text;
    if (url.username !== '' || url.password !== '') {
      url.username = '***';
      url.password = '';
    }
    if (url.search !== '') url.search = '***';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The name a probed upstream goes by in /api/health, status and its 503s: the host:port of
 * its URL (no userinfo, no path). Routes to one upstream share it, and its probe.
 */
export function upstreamName(upstream: string): string {
  const url = new URL(upstream);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}
