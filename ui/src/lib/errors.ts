// What the user reads when a call fails. The server, the core and the shell answer
// `{code, message}` with an English message for developers and logs; the UI speaks the user's
// language, so it words the codes it knows itself. A code that only says what kind of refusal
// it was (invalid input, forbidden, not found, conflict) keeps the server's specific English
// message in English and gets a general sentence in Russian; an unknown code shows the message.
import { isApiError } from "./backend";
import { formatNumber, formatSize } from "./format";
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
  not_https: "error.notHttps",
  untrusted_certificate: "error.untrustedCertificate",
  tls: "error.tls",
  proxy_auth_required: "error.proxyAuthRequired",
  proxy_refused: "error.proxyRefused",
  proxy_unsupported: "error.proxyUnsupported",
  server_moved: "error.serverMoved",
  unsent: "error.unsent",
};

const FILE: Partial<Record<string, Key>> = {
  not_a_file: "error.notAFile",
  empty_file: "error.emptyFile",
  unreadable_file: "error.unreadableFile",
};

const KIND: Partial<Record<string, Key>> = {
  invalid_input: "error.invalid",
  forbidden: "error.forbidden",
  not_found: "error.notFound",
  conflict: "error.conflict",
};

export function errorText(e: unknown): string {
  if (!isApiError(e)) return t("error.generic");
  // The figures come as fields of the error (the server's `Retry-After`; the core's check of
  // a file's size, or the server's fixed limit), never out of the English message.
  if (e.code === "rate_limited") {
    return e.retry_after != null ? t("error.rateLimitedIn", { n: e.retry_after }) : t("error.rateLimited");
  }
  if (e.code === "payload_too_large" && e.limit != null) {
    const limit = formatSize(e.limit);
    if (e.size == null) return t("error.tooLargeMax", { limit });
    const size = formatSize(e.size);
    return e.name ? t("error.tooLargeNamed", { name: e.name, size, limit }) : t("error.tooLargeOf", { size, limit });
  }
  if ((e.code === "text_too_long" || e.code === "too_many_files") && e.size != null && e.limit != null) {
    const figures = { n: formatNumber(e.size), limit: formatNumber(e.limit) };
    return t(e.code === "text_too_long" ? "error.textTooLong" : "error.tooManyFiles", figures);
  }
  // A file the core refused before sending, by its name.
  const file = FILE[e.code];
  if (file && e.name) return t(file, { name: e.name });
  const known = KNOWN[e.code];
  if (known) return t(known);
  const kind = KIND[e.code];
  if (kind && (getLang() !== "en" || !e.message)) return t(kind);
  return e.message || t("error.generic");
}
