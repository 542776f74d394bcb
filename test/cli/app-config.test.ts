/** Where `hookrunner app` connects, and with which token: flag > environment > config file; the token in no message. */
import { describe, expect, it } from 'vitest';
import { UsageError, checkToken, configPath, parseServer, resolveConnection } from '../../src/cli/app/config.js';
import type { ConfigFs } from '../../src/cli/app/config.js';

const TOKEN = 'file-token-0123456789abcdef';

/** A config file system with these files (path → text and mode). */
function files(entries: Record<string, { text: string; mode?: number }>): ConfigFs {
  const missing = (path: string): Error => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  return {
    async readFile(path) {
      const f = entries[path];
      if (!f) throw missing(path);
      return f.text;
    },
    async stat(path) {
      const f = entries[path];
      if (!f) throw missing(path);
      return { mode: 0o100000 | (f.mode ?? 0o600) };
    },
  };
}

const DEFAULT = '/home/u/.config/hookrunner/config.yaml';
const env = { HOME: '/home/u' };

async function usageError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return (err as UsageError).message;
}

describe('hookrunner app: the connection', () => {
  it('should take the flag over the environment over the config file, for server and token each', async () => {
    const fs = files({ [DEFAULT]: { text: `server: https://file.example\ntoken: ${TOKEN}\n` } });
    expect(await resolveConnection({ flags: {}, env, fs })).toEqual({ server: 'https://file.example', token: TOKEN, requestTimeoutMs: 30_000, warnings: [] });
    const fromEnv = await resolveConnection({ flags: {}, env: { ...env, HOOKRUNNER_SERVER: 'http://env.example:8080/', HOOKRUNNER_API_TOKEN: 'env-token-0123456789' }, fs });
    expect(fromEnv).toMatchObject({ server: 'http://env.example:8080', token: 'env-token-0123456789' });
    const fromFlags = await resolveConnection({ flags: { server: 'https://flag.example/hookrunner/api/v1', token: 'flag-token-0123456789', requestTimeout: 5_000 }, env: { ...env, HOOKRUNNER_SERVER: 'http://env.example' }, fs });
    expect(fromFlags).toMatchObject({ server: 'https://flag.example/hookrunner', token: 'flag-token-0123456789', requestTimeoutMs: 5_000 });
    // An empty variable counts as unset.
    expect(await resolveConnection({ flags: {}, env: { ...env, HOOKRUNNER_SERVER: '', HOOKRUNNER_API_TOKEN: '' }, fs })).toMatchObject({ server: 'https://file.example', token: TOKEN });
  });

  it('should find the config file at --config, $HOOKRUNNER_CONFIG, $XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath({ config: '/etc/hr.yaml' }, { HOOKRUNNER_CONFIG: '/x.yaml' })).toEqual({ path: '/etc/hr.yaml', explicit: true });
    expect(configPath({}, { HOOKRUNNER_CONFIG: '/x.yaml', HOME: '/h' })).toEqual({ path: '/x.yaml', explicit: true });
    expect(configPath({}, { XDG_CONFIG_HOME: '/xdg', HOME: '/h' })).toEqual({ path: '/xdg/hookrunner/config.yaml', explicit: false });
    expect(configPath({}, { HOME: '/h' })).toEqual({ path: '/h/.config/hookrunner/config.yaml', explicit: false });
  });

  it('should work without a token (a server started with --insecure-no-auth) and without the default config file', async () => {
    expect(await resolveConnection({ flags: { server: 'http://127.0.0.1:8080' }, env, fs: files({}) })).toEqual({ server: 'http://127.0.0.1:8080', token: undefined, requestTimeoutMs: 30_000, warnings: [] });
  });

  it('should say where to give the server when there is none, and refuse a server that is not an http(s) URL', async () => {
    expect(await usageError(resolveConnection({ flags: {}, env, fs: files({}) }))).toBe(`no server: pass --server URL, set HOOKRUNNER_SERVER, or put "server: URL" in ${DEFAULT}`);
    expect(() => parseServer('localhost:8080', '--server')).toThrow('--server must be an http:// or https:// URL such as https://hookrunner.example.com, got "localhost:8080"');
    expect(() => parseServer('ftp://me:pw@h.example', '--server')).toThrow('--server must be an http:// or https:// URL such as https://hookrunner.example.com, got a ftp: URL with credentials');
    expect(() => parseServer('not a url', 'HOOKRUNNER_SERVER')).toThrow('HOOKRUNNER_SERVER must be an http(s) URL such as https://hookrunner.example.com, got "not a url"');
    expect(() => parseServer('https://h.example/?x=1', '--server')).toThrow('--server must not have a query or fragment');
    const withPassword = (() => {
      try {
        parseServer('https://user:s3cret-pass@h.example', '--server');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(withPassword).toContain('--server must not carry credentials');
    expect(withPassword).not.toContain('s3cret-pass');
  });

  it('should refuse a token that cannot be a bearer token without showing it, and a comma-separated server list', () => {
    let message = '';
    try {
      checkToken('bad token with spaces', '--token');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe("the token from --token is not a bearer token (RFC 6750: letters, digits and -._~+/, then optional '=' padding; at most 4096 characters)");
    expect(() => checkToken('aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb', 'HOOKRUNNER_API_TOKEN')).toThrow("HOOKRUNNER_API_TOKEN holds a comma-separated list (the server's form)");
    expect(checkToken('abc.DEF-123_~+/xyz==', '--token')).toBe('abc.DEF-123_~+/xyz==');
  });

  it('should refuse a config file token that group or others can read, and only warn when the token comes from elsewhere', async () => {
    const open = files({ [DEFAULT]: { text: `server: https://file.example\ntoken: ${TOKEN}\n`, mode: 0o644 } });
    const refused = await usageError(resolveConnection({ flags: {}, env, fs: open }));
    expect(refused).toBe(`${DEFAULT} holds a token and is readable by group or others (mode 0644); run: chmod 600 ${DEFAULT}`);
    expect(refused).not.toContain(TOKEN);
    const warned = await resolveConnection({ flags: {}, env: { ...env, HOOKRUNNER_API_TOKEN: 'env-token-0123456789' }, fs: open });
    expect(warned.token).toBe('env-token-0123456789');
    expect(warned.warnings).toEqual([`${DEFAULT} holds a token and is readable by group or others (mode 0644); run: chmod 600 ${DEFAULT}`]);
    // Modes mean nothing on Windows; a file without a token may be readable by anyone.
    expect((await resolveConnection({ flags: {}, env, fs: open, posixModes: false })).token).toBe(TOKEN);
    expect((await resolveConnection({ flags: {}, env, fs: files({ [DEFAULT]: { text: 'server: https://file.example\n', mode: 0o644 } }) })).warnings).toEqual([]);
  });

  it('should name the config file and the key at fault: unknown keys, wrong types, bad YAML, a named file that is missing', async () => {
    expect(await usageError(resolveConnection({ flags: {}, env, fs: files({ [DEFAULT]: { text: 'sever: https://x\n' } }) }))).toBe(`${DEFAULT}: unknown key sever (known: server, token)`);
    expect(await usageError(resolveConnection({ flags: {}, env, fs: files({ [DEFAULT]: { text: 'server: 8080\n' } }) }))).toBe(`${DEFAULT}: server must be a string`);
    expect(await usageError(resolveConnection({ flags: {}, env, fs: files({ [DEFAULT]: { text: 'server: [\n' } }) }))).toMatch(new RegExp(`^${DEFAULT} is not valid YAML: `));
    expect(await usageError(resolveConnection({ flags: { config: '/nope.yaml' }, env, fs: files({}) }))).toMatch(/^cannot read the config file \/nope.yaml: ENOENT/);
    expect(await usageError(resolveConnection({ flags: { server: 'http://h', requestTimeout: 0 }, env, fs: files({}) }))).toBe('--request-timeout must be more than 0');
  });
});
