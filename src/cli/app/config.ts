/**
 * Where `hookrunner app` connects and with which token: `--server`/`--token`, else
 * `HOOKRUNNER_SERVER`/`HOOKRUNNER_API_TOKEN`, else the config file (`--config`,
 * `$HOOKRUNNER_CONFIG`, else `$XDG_CONFIG_HOME/hookrunner/config.yaml` or
 * `~/.config/hookrunner/config.yaml`) with `server:` and `token:`. The token is never part of
 * any message.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { errorMessage } from '../../util/index.js';

/** Invalid input (exit 2); the message names the flag, variable or file at fault. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ConnectionFlags {
  server?: string;
  token?: string;
  config?: string;
  /** Milliseconds. */
  requestTimeout?: number;
}

export interface Connection {
  /** The service's base URL, without a trailing slash (e.g. `https://hookrunner.example.com`). */
  server: string;
  /** Undefined when none is configured: a server started with --insecure-no-auth needs none. */
  token: string | undefined;
  requestTimeoutMs: number;
  /** Things to tell the user (stderr) that do not stop the command. */
  warnings: string[];
}

export interface ConfigFs {
  readFile(path: string): Promise<string>;
  /** Only `mode` is read. */
  stat(path: string): Promise<{ mode: number }>;
}

export interface ResolveConnectionOptions {
  flags: ConnectionFlags;
  env: Readonly<Record<string, string | undefined>>;
  /** @defaultValue node:fs/promises */
  fs?: ConfigFs;
  /** Whether group/other permission bits mean anything here. @defaultValue process.platform !== 'win32' */
  posixModes?: boolean;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** RFC 6750 `b64token`, as the server reads the Authorization header. */
const BEARER = /^[A-Za-z0-9\-._~+/]+=*$/;

const configSchema = z.strictObject({
  server: z.string().min(1, 'must not be empty').optional(),
  token: z.string().min(1, 'must not be empty').optional(),
});
type ConfigFile = z.infer<typeof configSchema>;

const nodeFs: ConfigFs = { readFile: (p) => readFile(p, 'utf8'), stat: (p) => stat(p) };

/** The config file to read, and whether the user named it (then it must exist). */
export function configPath(flags: ConnectionFlags, env: ResolveConnectionOptions['env']): { path: string; explicit: boolean } {
  if (flags.config) return { path: flags.config, explicit: true };
  if (env['HOOKRUNNER_CONFIG']) return { path: env['HOOKRUNNER_CONFIG'], explicit: true };
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return { path: join(base, 'hookrunner', 'config.yaml'), explicit: false };
}

async function readConfig(path: string, explicit: boolean, fs: ConfigFs): Promise<{ config: ConfigFile; mode: number } | undefined> {
  let text: string;
  let mode: number;
  try {
    mode = (await fs.stat(path)).mode;
    text = await fs.readFile(path);
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the config file ${path}: ${errorMessage(err)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new UsageError(`${path} is not valid YAML: ${errorMessage(err).split('\n')[0] ?? ''}`);
  }
  const parsed = configSchema.safeParse(raw, { error: (i) => (i.code === 'invalid_type' ? `must be a ${i.expected}` : undefined) });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys' ? `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')} (known: server, token)` : `${i.path.join('.') || 'the file'} ${i.message}`,
    );
    throw new UsageError(`${path}: ${problems.join('; ')}`);
  }
  return { config: parsed.data, mode };
}

/** `--server` and its kin: an http(s) URL without credentials, query or fragment; a trailing `/` or `/api/v1` is dropped. */
export function parseServer(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source} must be an http(s) URL such as https://hookrunner.example.com, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const shown = url.username || url.password ? `a ${url.protocol} URL with credentials` : `"${value}"`;
    throw new UsageError(`${source} must be an http:// or https:// URL such as https://hookrunner.example.com, got ${shown}`);
  }
  if (url.username || url.password) throw new UsageError(`${source} must not carry credentials (user:password@); give the API token with --token, HOOKRUNNER_API_TOKEN or the config file`);
  if (url.search || url.hash) throw new UsageError(`${source} must not have a query or fragment, got "${value}"`);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return `${url.origin}${path}`;
}

/** A token as a bearer token may be written; the message never shows it. */
export function checkToken(token: string, source: string): string {
  if (token.includes(',') && source === 'HOOKRUNNER_API_TOKEN') {
    throw new UsageError('HOOKRUNNER_API_TOKEN holds a comma-separated list (the server\'s form); the CLI sends one token: give it with --token or a HOOKRUNNER_API_TOKEN of one token');
  }
  if (token.length > 4096 || !BEARER.test(token)) {
    throw new UsageError(`the token from ${source} is not a bearer token (RFC 6750: letters, digits and -._~+/, then optional '=' padding; at most 4096 characters)`);
  }
  return token;
}

function groupOrOtherReadable(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

/** Flag > environment > config file, for the server and the token separately. */
export async function resolveConnection(options: ResolveConnectionOptions): Promise<Connection> {
  const { flags, env, fs = nodeFs, posixModes = process.platform !== 'win32' } = options;
  const { path, explicit } = configPath(flags, env);
  const file = await readConfig(path, explicit, fs);
  const warnings: string[] = [];

  const serverValue = flags.server ?? (env['HOOKRUNNER_SERVER'] || undefined) ?? file?.config.server;
  const serverSource = flags.server !== undefined ? '--server' : env['HOOKRUNNER_SERVER'] ? 'HOOKRUNNER_SERVER' : `${path}: server`;
  if (serverValue === undefined) {
    throw new UsageError(`no server: pass --server URL, set HOOKRUNNER_SERVER, or put "server: URL" in ${path}`);
  }
  const server = parseServer(serverValue, serverSource);

  let token: string | undefined;
  if (flags.token !== undefined) token = checkToken(flags.token, '--token');
  else if (env['HOOKRUNNER_API_TOKEN']) token = checkToken(env['HOOKRUNNER_API_TOKEN'], 'HOOKRUNNER_API_TOKEN');
  const fileToken = file?.config.token;
  if (fileToken !== undefined && file && posixModes && groupOrOtherReadable(file.mode)) {
    const mode = (file.mode & 0o777).toString(8).padStart(4, '0');
    const fix = `run: chmod 600 ${path}`;
    // Like ssh with a private key: a token others can read is not used.
    if (token === undefined) throw new UsageError(`${path} holds a token and is readable by group or others (mode ${mode}); ${fix}`);
    warnings.push(`${path} holds a token and is readable by group or others (mode ${mode}); ${fix}`);
  }
  if (token === undefined && fileToken !== undefined) token = checkToken(fileToken, `${path}: token`);

  const requestTimeoutMs = flags.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(requestTimeoutMs > 0)) throw new UsageError('--request-timeout must be more than 0');
  return { server, token, requestTimeoutMs, warnings };
}
