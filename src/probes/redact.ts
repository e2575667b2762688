// Turns any thrown value into a one-line failure message that carries no secrets: userinfo is
// stripped from URLs and the target's password (raw and decoded) is masked wherever it appears.

const MAX_MESSAGE = 300;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/** The secrets a target string carries: the password of a URL's userinfo, raw and decoded. */
export function targetSecrets(target: string): string[] {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return [];
  }
  if (!url.password) return [];
  const secrets = new Set([url.password]);
  try {
    secrets.add(decodeURIComponent(url.password));
  } catch {
    // a malformed escape: masking the raw form is all there is to do
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** Removes userinfo from the URLs in `text`. */
export function stripUserinfo(text: string): string {
  return text.replace(URL_USERINFO, '$1');
}

/** A short, single-line, secret-free message for `err`. */
export function describeError(err: unknown, secrets: readonly string[] = []): string {
  let text =
    err instanceof Error ? err.message || err.name : typeof err === 'string' ? err : String(err);
  text = stripUserinfo(text);
  for (const secret of secrets) text = text.split(secret).join('***');
  text = text.replace(/\s+/g, ' ').trim() || 'probe failed';
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
