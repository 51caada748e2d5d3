// What the user reads when a call fails. The server, the core and the shell answer
// `{code, message}` with an English message for developers and logs; the UI speaks the user's
// language, so it words the codes it knows itself. A code that only says what kind of refusal
// it was (invalid input, forbidden, not found, conflict) keeps the server's specific English
// message in English and gets a general sentence in Russian; an unknown code shows the message.
import { isApiError } from "./backend";
import { formatSize } from "./format";
import { getLang, t, type Key } from "./i18n";

const KNOWN: Partial<Record<string, Key>> = {
  offline: "error.offline",
  busy: "error.busy",
  internal: "error.internal",
  unauthorized: "error.signInAgain",
  not_signed_in: "error.signInAgain",
  payload_too_large: "error.tooLarge",
  cancelled: "error.cancelled",
  bad_response: "error.badResponse",
  gap: "error.badResponse",
  cache: "error.local",
  io: "error.local",
  clipboard: "error.clipboard",
  unsupported: "error.unsupported",
  server_address: "error.serverAddress",
  unsent: "error.unsent",
};

const KIND: Partial<Record<string, Key>> = {
  invalid_input: "error.invalid",
  forbidden: "error.forbidden",
  not_found: "error.notFound",
  conflict: "error.conflict",
};

export function errorText(e: unknown): string {
  if (!isApiError(e)) return t("error.generic");
  if (e.code === "rate_limited") {
    const secs = /(\d+)\s*s\b/.exec(e.message)?.[1];
    return secs ? t("error.rateLimitedIn", { n: secs }) : t("error.rateLimited");
  }
  if (e.code === "payload_too_large") {
    // The core says the size and the limit ("… 157286400 bytes, at most 104857600").
    const m = /(\d+) bytes, at most (\d+)/.exec(e.message);
    if (m) return t("error.tooLargeOf", { size: formatSize(Number(m[1])), limit: formatSize(Number(m[2])) });
  }
  const known = KNOWN[e.code];
  if (known) return t(known);
  const kind = KIND[e.code];
  if (kind && (getLang() !== "en" || !e.message)) return t(kind);
  return e.message || t("error.generic");
}
