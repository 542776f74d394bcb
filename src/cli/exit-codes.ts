/** The exit codes of every `hookrunner` command. */
export const ExitCode = {
  /** Done; for `sync`, the operation Succeeded. */
  ok: 0,
  /** The operation ran and Failed (sync), or a notification failed permanently (notify). */
  failed: 1,
  /** Invalid input: bad flags, unreadable or invalid manifests, bad configuration. */
  invalidInput: 2,
  /** Infrastructure: Redis, the cluster or a chat service unreachable, or a bug. */
  infrastructure: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
