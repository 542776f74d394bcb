/**
 * Git repository URLs: which forms are accepted, how two spellings of the same repository
 * compare, and how credentials are kept out of messages and logs.
 */

/** `git@host:path` (scp-like ssh). */
const SCP_LIKE = /^([A-Za-z0-9._~-]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

export type RepoUrlKind = 'https' | 'ssh' | 'file';

/**
 * The kind of a git URL hookrunner accepts, or undefined: `https://` (and `http://`),
 * `ssh://` or scp-like `git@host:path`, and `file://` with an absolute path.
 */
export function repoUrlKind(url: string): RepoUrlKind | undefined {
  const text = url.trim();
  if (text !== url || text.length === 0 || /\s/.test(text) || isTransportHelperForm(text)) return undefined;
  if (/^https?:\/\//i.test(text)) return validUrl(text) ? 'https' : undefined;
  if (/^ssh:\/\//i.test(text)) return validUrl(text) ? 'ssh' : undefined;
  if (/^file:\/\//i.test(text)) {
    const parsed = validUrl(text);
    return parsed && parsed.pathname.length > 1 && (parsed.host === '' || parsed.host === 'localhost') ? 'file' : undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  return SCP_LIKE.test(text) ? 'ssh' : undefined;
}

/** Why a `<helper>::<address>` URL is refused (for field errors). */
export const TRANSPORT_HELPER_MESSAGE = 'must not use git\'s "<transport>::<address>" form (such as ext::… or fd::…): it runs a program instead of fetching a repository';

/**
 * Whether a URL has a `::` outside a bracketed IPv6 host: git reads `<helper>::<address>`
 * (`ext::sh -c …`, `fd::3`) as "run this remote helper", which can run commands. Never a
 * repository URL hookrunner accepts.
 */
export function isTransportHelperForm(url: string): boolean {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/(?:[^/@\s]*@)?)\[[0-9a-f:.]*\]/i, '$1host').includes('::');
}

function validUrl(text: string): URL | undefined {
  try {
    const parsed = new URL(text);
    if (parsed.protocol !== 'file:' && parsed.hostname === '') return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/**
 * A comparison key for "the same repository": credentials, port, scheme, a trailing `.git` and
 * slashes dropped, lower case — so `https://github.com/Org/Repo.git`, `git@github.com:org/repo`
 * and `ssh://git@github.com/org/repo` are equal. `file://` URLs keep the path's case.
 */
export function normalizeRepoUrl(url: string): string {
  const text = url.trim();
  const scp = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? undefined : SCP_LIKE.exec(text);
  let host: string;
  let path: string;
  if (scp) {
    host = scp[2] ?? '';
    path = scp[3] ?? '';
  } else {
    const parsed = validUrl(text);
    if (!parsed) return text.toLowerCase();
    if (parsed.protocol === 'file:') return `file://${stripGit(decodeURIComponent(parsed.pathname))}`;
    host = parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  }
  return `${host}/${stripGit(path).replace(/^\/+/, '')}`.toLowerCase();
}

function stripGit(path: string): string {
  return path.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '');
}

/** The URL without credentials: `https://user:secret@host/x` → `https://***@host/x`. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/**
 * Replace credentials in every URL inside a text (git error output, messages): all user info of
 * `http(s)://` URLs (a token is often given as the user name), the password of any other URL.
 */
export function redactText(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]+@/gi, '$1***@').replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):[^/@\s]*@/gi, '$1$2:***@');
}
