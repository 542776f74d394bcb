/**
 * The notifier vocabulary: one {@link Notifier} interface implemented by the Mattermost, Slack and
 * log providers, the message shape they post and the reference that identifies a posted message.
 */

export type NotifierKind = 'mattermost' | 'slack' | 'log';

/** A Slack Block Kit block, as plain JSON (`section`, `context`, `header`, `divider`, …). */
export interface SlackBlock {
  type: string;
  [field: string]: unknown;
}

/** A Slack-style message attachment field, as Mattermost renders it in `props.attachments`. */
export interface AttachmentField {
  title: string;
  value: string;
  short?: boolean;
}

/** A Slack-style message attachment (Mattermost `props.attachments`). */
export interface ChatAttachment {
  /** Plain-text summary shown where the attachment cannot be rendered (required by Mattermost). */
  fallback: string;
  /** `#rrggbb`, or `good` / `warning` / `danger`. */
  color?: string;
  pretext?: string;
  title?: string;
  title_link?: string;
  text?: string;
  fields?: AttachmentField[];
  footer?: string;
}

/**
 * One message. `text` is always sent: it is the whole message for the log provider, the
 * notification fallback for Slack (next to `blocks`) and the post's `message` for Mattermost (next
 * to `attachments`). Each provider uses the rich form it understands and ignores the other.
 */
export interface ChatMessage {
  /** Markdown text; never empty. */
  text: string;
  /** Slack Block Kit blocks (Slack only). */
  blocks?: readonly SlackBlock[];
  /** Slack-style attachments, sent as Mattermost `props.attachments` (Mattermost only). */
  attachments?: readonly ChatAttachment[];
}

/**
 * Identifies a posted message, so it can be updated in place or replied to in a thread.
 * Plain JSON: it can be stored (idempotency store, run record) and read back.
 */
export type MessageRef = MattermostMessageRef | SlackMessageRef | LogMessageRef;

export interface MattermostMessageRef {
  kind: 'mattermost';
  postId: string;
  channelId: string;
  /** The thread's root post when this post is a reply. */
  rootId?: string;
}

export interface SlackMessageRef {
  kind: 'slack';
  /** The channel **ID** returned by `chat.postMessage` (`chat.update` accepts no names). */
  channelId: string;
  ts: string;
  /** The parent's `ts` when this message is a threaded reply. */
  threadTs?: string;
}

export interface LogMessageRef {
  kind: 'log';
  id: string;
}

export interface PostOptions {
  /**
   * Post at most once per key and destination: a second `post` with the same key returns the
   * first post's reference without posting (see {@link IdempotencyStore} for the exact guarantee).
   * Ignored when the notifier has no idempotency store.
   */
  idempotencyKey?: string;
  /** Post as a threaded reply to this message (Slack `thread_ts`, Mattermost `root_id`). */
  threadOf?: MessageRef;
  /** Aborts waits (rate limit, backoff) and, where the client allows it, the request in flight. */
  signal?: AbortSignal;
}

export interface UpdateOptions {
  signal?: AbortSignal;
}

/** Posts chat messages to one destination (a channel of one server or workspace). */
export interface Notifier {
  readonly kind: NotifierKind;
  /** Human-readable destination, e.g. `argocdorg/argocd-test-phases@http://mm:8065`; never holds a token. */
  readonly destination: string;
  /**
   * Post a message. Transient failures are retried with bounded backoff; throws
   * `ChatPermanentError` at once for configuration problems (auth, channel) and
   * `ChatGaveUpError` when the retries ran out.
   */
  post(message: ChatMessage, opts?: PostOptions): Promise<MessageRef>;
  /** Replace the text and rich content of a message posted by this notifier (Slack `chat.update`, Mattermost `patchPost`). */
  update(ref: MessageRef, message: ChatMessage, opts?: UpdateOptions): Promise<MessageRef>;
  /** Check the token and that the channel exists and can be posted to; throws like `post`. Posts nothing. */
  check(opts?: UpdateOptions): Promise<void>;
}

/** One line of diagnostics from a notifier (retries, rate-limit waits). Never holds a token. */
export interface ChatLogEvent {
  level: 'debug' | 'info' | 'warn';
  msg: string;
  kind: NotifierKind;
  destination: string;
  attempt?: number;
  delayMs?: number;
  /** The failure's code on a retry; `already_posted` when an idempotency key suppressed a post. */
  code?: string;
}

export type ChatLog = (event: ChatLogEvent) => void;
