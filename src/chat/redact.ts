/** What replaces a secret in any text we print, log or post. */
export const REDACTED = '[REDACTED]';

/** Shapes of credentials that must never leave the process, even when nobody told us they are secrets. */
const TOKEN_PATTERNS: readonly { pattern: RegExp; replacement: string }[] = [
  // Slack bot, user, app and refresh tokens
  { pattern: /\bx(?:ox[abeoprs]|app)-[A-Za-z0-9-]+/g, replacement: REDACTED },
  // Authorization header values
  { pattern: /\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, replacement: `$1${REDACTED}` },
  // token=…, token: …, "token": "…"
  { pattern: /\b((?:access_|auth_|api_)?token["']?\s*[=:]\s*["']?)[A-Za-z0-9._~+/-]{8,}/gi, replacement: `$1${REDACTED}` },
  // passwords in URLs (redis://user:pass@host)
  { pattern: /(\/\/[^/\s:@]*:)[^@\s/]+@/g, replacement: `$1${REDACTED}@` },
];

/**
 * Remove credentials from a text: every occurrence of each given secret (secrets shorter than 4
 * characters are ignored, they would mangle ordinary words), then anything shaped like a Slack
 * token, a bearer header value, a `token=` assignment or a password inside a URL.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const { pattern, replacement } of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
