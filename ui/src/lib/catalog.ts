// The service catalog's extra fields: the same checks the server makes, so the dialog can say
// what is wrong before sending (the server checks again).
import type { CatalogField } from "./proto/api";

export type FieldProblem = { field: string; kind: "required" | "number" | "date" | "boolean" | "unknown" };

/** The first problem with `values` for these fields, or null. */
export function fieldProblem(fields: CatalogField[], values: Record<string, string>): FieldProblem | null {
  for (const name of Object.keys(values)) {
    if (!fields.some((f) => f.name === name)) return { field: name, kind: "unknown" };
  }
  for (const f of fields) {
    const v = (values[f.name] ?? "").trim();
    if (!v) {
      if (f.required) return { field: f.name, kind: "required" };
      continue;
    }
    if (f.type === "number" && !/^-?\d+(\.\d+)?$/.test(v)) return { field: f.name, kind: "number" };
    if (f.type === "date" && !isDate(v)) return { field: f.name, kind: "date" };
    if (f.type === "boolean" && v !== "true" && v !== "false") return { field: f.name, kind: "boolean" };
  }
  return null;
}

function isDate(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** The server's message for a problem (English, like the server's). */
export function validateFields(fields: CatalogField[], values: Record<string, string>): string | null {
  const p = fieldProblem(fields, values);
  if (!p) return null;
  switch (p.kind) {
    case "unknown":
      return `Unknown field: ${p.field}`;
    case "required":
      return `${p.field} is required`;
    case "number":
      return `${p.field} must be a number`;
    case "date":
      return `${p.field} must be a date (YYYY-MM-DD)`;
    case "boolean":
      return `${p.field} must be true or false`;
  }
}

/** Only the non-empty values: what is sent. */
export function filledValues(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v.trim()) out[k] = v.trim();
  return out;
}
