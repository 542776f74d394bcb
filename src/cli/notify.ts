/**
 * `hookrunner notify`: the notifier image's entrypoint (hook Jobs run it). Reads the lab's notifier
 * environment unchanged, or `MATTERMOST_*` / `SLACK_*`; without a message it composes one from the
 * D5 sync context (`HOOKRUNNER_*`). Exit 0 sent, 1 permanent failure (auth, channel), 2 bad
 * configuration, 3 gave up after retries (or another infrastructure failure). Never prints a token.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { AbortedError } from '../util/index.js';
import {
  ChatConfigError,
  ChatGaveUpError,
  ChatPermanentError,
  createLogNotifier,
  createMattermostNotifier,
  createMemoryIdempotencyStore,
  createRedisIdempotencyStore,
  createSlackNotifier,
  notifierConfigFromEnv,
  redactSecrets,
  renderSyncMessage,
  secretsFromEnv,
  syncContextFromEnv,
} from '../chat/index.js';
import type { ChatMessage, DeliveryOptions, IdempotencyStore, MessageRef, Notifier, NotifierConfig, NotifierKind, ChatLog } from '../chat/index.js';
import { redisKeys } from '../queue/index.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { intInRange, parseDurationOption } from './options.js';

interface NotifyFlags {
  service?: NotifierKind;
  message?: string;
  timeout: number;
  retries: number;
  maxTime: number;
}

type Env = CliIO['env'];

/** Slack on the idempotency claim beyond `--max-time` plus one `--timeout`. */
const CLAIM_MARGIN_MS = 30_000;
type Writer = (line: string) => void;

export function registerNotify(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('notify')
    .description('Post a chat message to Mattermost or Slack (the notifier image entrypoint; reads the lab notifier environment)')
    .option('--service <name>', 'mattermost, slack or log (default: the one configured in the environment)', parseService)
    .option('--message <text>', 'the message (default: $message, else one composed from the HOOKRUNNER_* sync context)')
    .option('--timeout <duration>', 'timeout of each request, e.g. 10s', parseDurationOption, 10_000)
    .option('--retries <n>', 'retries after a transient failure (429, 5xx, network, timeout)', intInRange(0, 100), 4)
    .option('--max-time <duration>', 'give up when retrying would take longer than this', parseDurationOption, 60_000)
    .addHelpText(
      'after',
      [
        '',
        'Environment:',
        '  Mattermost  MATTERMOST_URL MATTERMOST_TOKEN MATTERMOST_TEAM MATTERMOST_CHANNEL',
        '              or the lab notifier variables: url (host) port scheme token team_name channel_name',
        '  Slack       SLACK_TOKEN SLACK_CHANNEL [SLACK_API_URL]',
        '  Message     message; else HOOKRUNNER_APP HOOKRUNNER_OPERATION_ID HOOKRUNNER_REVISION HOOKRUNNER_PHASE HOOKRUNNER_FAILURE',
        '  Dedupe      with HOOKRUNNER_OPERATION_ID and HOOKRUNNER_PHASE set, one post per (operation, phase, destination);',
        '              across runs when HOOKRUNNER_IDEMPOTENCY_REDIS_URL (or REDIS_URL) names a Redis',
        '',
        'Exit codes: 0 sent, 1 permanent failure (auth, channel), 2 bad configuration, 3 gave up after retries',
      ].join('\n'),
    )
    .action(async (flags: NotifyFlags) => {
      setExit(await runNotify(flags, io));
    });
}

/** Run `hookrunner notify` with parsed flags; resolves to the exit code. */
export async function runNotify(flags: NotifyFlags, io: CliIO): Promise<number> {
  const secrets = secretsFromEnv(io.env);
  const out: Writer = (line) => io.stdout.write(`${redactSecrets(line, secrets)}\n`);
  const err: Writer = (line) => io.stderr.write(`${redactSecrets(line, secrets)}\n`);

  let config: NotifierConfig;
  let message: ChatMessage;
  try {
    config = notifierConfigFromEnv(io.env, flags.service);
    message = composeMessage(flags, io.env, secrets);
  } catch (e) {
    if (e instanceof ChatConfigError) {
      err(`hookrunner notify: bad configuration: ${e.message}`);
      return ExitCode.invalidInput;
    }
    throw e;
  }

  const store = await openIdempotencyStore(io.env, err);
  if (store === 'invalid') return ExitCode.invalidInput;
  let alreadySent = false;
  const log: ChatLog = (event) => {
    if (event.code === 'already_posted') alreadySent = true;
    if (event.level === 'warn') err(`hookrunner notify: ${event.kind} ${event.destination}: ${event.msg}`);
  };
  try {
    // The claim must outlive the whole post (every attempt, and the last request's timeout), or another run could post too.
    const claimTtlMs = flags.maxTime + flags.timeout + CLAIM_MARGIN_MS;
    const delivery: DeliveryOptions = { attempts: flags.retries + 1, maxElapsedMs: flags.maxTime, idempotency: store.store, claimTtlMs, log };
    const notifier = createNotifierFor(config, { delivery, timeoutMs: flags.timeout, write: (s) => io.stdout.write(redactSecrets(s, secrets)) });
    const ref = await notifier.post(message, { ...idempotencyKeyFrom(io.env), ...(io.shutdown ? { signal: io.shutdown } : {}) });
    if (config.service !== 'log' || alreadySent) {
      out(alreadySent
        ? `hookrunner notify: already sent to ${notifier.kind} ${notifier.destination} (${describeRef(ref)}); not posting again`
        : `hookrunner notify: sent to ${notifier.kind} ${notifier.destination} (${describeRef(ref)})`);
    }
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof ChatConfigError) {
      err(`hookrunner notify: bad configuration: ${e.message}`);
      return ExitCode.invalidInput;
    }
    if (e instanceof ChatPermanentError) {
      err(`hookrunner notify: failed: ${e.message}`);
      return ExitCode.failed;
    }
    if (e instanceof ChatGaveUpError) {
      err(`hookrunner notify: ${e.message}`);
      return ExitCode.infrastructure;
    }
    if (e instanceof AbortedError) {
      err(`hookrunner notify: stopped before the message was sent (${e.message})`);
      return ExitCode.infrastructure;
    }
    err(`hookrunner notify: error: ${e instanceof Error ? e.message : String(e)}`);
    return ExitCode.infrastructure;
  } finally {
    await store.close();
  }
}

function createNotifierFor(config: NotifierConfig, options: { delivery: DeliveryOptions; timeoutMs: number; write: (text: string) => unknown }): Notifier {
  const { delivery, timeoutMs, write } = options;
  switch (config.service) {
    case 'mattermost':
      return createMattermostNotifier({ ...delivery, url: config.url, token: config.token, team: config.team, channel: config.channel, timeoutMs });
    case 'slack':
      return createSlackNotifier({ ...delivery, token: config.token, channel: config.channel, timeoutMs, ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}) });
    case 'log':
      return createLogNotifier({ ...(delivery.idempotency ? { idempotency: delivery.idempotency } : {}), stream: { write } });
  }
}

/** `--message`, else `$message`, else the sync context rendered with the default template. */
function composeMessage(flags: NotifyFlags, env: Env, secrets: readonly string[]): ChatMessage {
  const text = flags.message?.trim() || env['message']?.trim();
  if (text) return { text };
  const context = syncContextFromEnv(env);
  if (!context) throw new ChatConfigError('message', 'no message: pass --message, set message, or run as a hook with HOOKRUNNER_APP / HOOKRUNNER_OPERATION_ID set');
  return renderSyncMessage(context, { secrets });
}

/** D5: one notice per (operation, phase) and destination; the notifier adds the destination to the key. */
function idempotencyKeyFrom(env: Env): { idempotencyKey?: string } {
  const operation = env['HOOKRUNNER_OPERATION_ID']?.trim();
  const phase = env['HOOKRUNNER_PHASE']?.trim();
  return operation && phase ? { idempotencyKey: `${operation}:${phase}` } : {};
}

interface OpenStore {
  store: IdempotencyStore;
  close(): Promise<void>;
}

/**
 * The Redis store when `HOOKRUNNER_IDEMPOTENCY_REDIS_URL` (or `REDIS_URL`) is set and answers;
 * otherwise the in-memory one (dedupe within this run only). An unreachable Redis does not stop the
 * notification: a duplicate is better than a lost message; a warning says so.
 */
async function openIdempotencyStore(env: Env, err: Writer): Promise<OpenStore | 'invalid'> {
  const memory: OpenStore = { store: createMemoryIdempotencyStore(), close: () => Promise.resolve() };
  const variable = env['HOOKRUNNER_IDEMPOTENCY_REDIS_URL']?.trim() ? 'HOOKRUNNER_IDEMPOTENCY_REDIS_URL' : env['REDIS_URL']?.trim() ? 'REDIS_URL' : undefined;
  if (!variable) return memory;
  const url = env[variable]?.trim() ?? '';
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    err(`hookrunner notify: bad configuration: ${variable}: must be a redis:// or rediss:// URL`);
    return 'invalid';
  }
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    err(`hookrunner notify: warning: ${variable} unreachable (${e instanceof Error ? e.message : String(e)}); deduplicating within this run only`);
    return memory;
  }
  return {
    store: createRedisIdempotencyStore({ redis, prefix: redisKeys(env['HOOKRUNNER_PREFIX'] ?? 'hookrunner').notifySent }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function describeRef(ref: MessageRef): string {
  if (ref.kind === 'mattermost') return `post ${ref.postId}`;
  if (ref.kind === 'slack') return `channel ${ref.channelId}, ts ${ref.ts}`;
  return `#${ref.id}`;
}

function parseService(value: string): NotifierKind {
  if (value === 'mattermost' || value === 'slack' || value === 'log') return value;
  throw new InvalidArgumentError(`must be mattermost, slack or log, got "${value}"`);
}


