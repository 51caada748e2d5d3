// A file's icon and short label from its content type or, before upload, its name.
import type { IconName } from "../shared/Icon.svelte";

const BY_EXT: Record<string, IconName> = {
  png: "image", jpg: "image", jpeg: "image", gif: "image", webp: "image", bmp: "image", svg: "image", heic: "image",
  pdf: "file-text", doc: "file-text", docx: "file-text", odt: "file-text", rtf: "file-text", txt: "file-text", md: "file-text", log: "file-text",
  xls: "sheet", xlsx: "sheet", ods: "sheet", csv: "sheet",
  zip: "archive", rar: "archive", "7z": "archive", gz: "archive", tar: "archive", xz: "archive",
  mp4: "media", mov: "media", avi: "media", mkv: "media", webm: "media", mp3: "media", wav: "media", ogg: "media",
};

export function fileIcon(name: string, contentType?: string): IconName {
  const ct = contentType ?? "";
  if (ct.startsWith("image/")) return "image";
  if (ct.startsWith("video/") || ct.startsWith("audio/")) return "media";
  if (/zip|compressed|x-tar|gzip|x-7z/.test(ct)) return "archive";
  if (/spreadsheet|ms-excel|text\/csv/.test(ct)) return "sheet";
  if (ct === "application/pdf" || ct.startsWith("text/") || /word|opendocument\.text/.test(ct)) return "file-text";
  const ext = name.includes(".") ? name.split(".").pop()!.toLowerCase() : "";
  return BY_EXT[ext] ?? "file";
}

/** "PDF", "PNG"… from the name's extension. */
export function fileExt(name: string): string {
  const i = name.lastIndexOf(".");
  return i > 0 && i < name.length - 1 ? name.slice(i + 1).toUpperCase().slice(0, 5) : "";
}
