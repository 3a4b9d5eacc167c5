// How the form reads and writes settings: a value as written shown as text, text typed
// back into a change (a literal, or HCL2 expression text), lists as comma-separated text,
// tags as KEY=VALUE lines, and the problems that belong to a field.

import type { Change, EditorProblem, FieldValue } from "./types";

/** The text an input shows for a value (an expression as written). */
export function asText(value: FieldValue | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (value.kind === "expression") return value.value;
  const v = value.value;
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

export function asBool(value: FieldValue | null | undefined): boolean | null {
  if (value?.kind !== "literal") return null;
  if (typeof value.value === "boolean") return value.value;
  if (value.value === "true") return true;
  if (value.value === "false") return false;
  return null;
}

export function asList(value: FieldValue | null | undefined): string[] | null {
  if (value?.kind !== "literal") return null;
  if (Array.isArray(value.value)) return value.value.map((v) => String(v));
  if (typeof value.value === "string") return value.value === "" ? [] : [value.value];
  return null;
}

export function asMap(value: FieldValue | null | undefined): [string, string][] | null {
  if (value?.kind !== "literal") return null;
  const v = value.value;
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => [
    k,
    typeof x === "string" ? x : JSON.stringify(x),
  ]);
}

/** True when the value is HCL2 expression text rather than a literal. */
export function isExpression(value: FieldValue | null | undefined): boolean {
  return value?.kind === "expression";
}

/**
 * The change that gives `path` the typed text: empty unsets; in HCL2 text that was an
 * expression stays one; a number field gets a number.
 */
export function textChange(
  path: string,
  text: string,
  was: FieldValue | null | undefined,
  kind: "string" | "number" = "string",
): Change | null {
  const trimmed = text.trim();
  if (trimmed === "") return was === null || was === undefined ? null : { op: "unset", path };
  if (was?.kind === "expression") {
    return trimmed === was.value ? null : { op: "set_expression", path, expression: trimmed };
  }
  if (kind === "number") {
    const n = Number(trimmed);
    if (Number.isFinite(n)) {
      return was?.kind === "literal" && was.value === n ? null : { op: "set", path, value: n };
    }
  }
  if (was?.kind === "literal" && asText(was) === text) return null;
  return { op: "set", path, value: text };
}

/** "a, b c" → ["a", "b", "c"]. */
export function parseList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function listChange(
  path: string,
  text: string,
  was: FieldValue | null | undefined,
): Change | null {
  const items = parseList(text);
  const before = asList(was);
  if (items.length === 0) return was ? { op: "unset", path } : null;
  if (before !== null && before.join("\n") === items.join("\n")) return null;
  return { op: "set", path, value: items };
}

/** `KEY=VALUE` lines (blank lines ignored; the first `=` splits). */
export function parseTags(text: string): { tags: [string, string][]; bad: number[] } {
  const tags: [string, string][] = [];
  const bad: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const at = line.indexOf("=");
    if (at <= 0) bad.push(i + 1);
    else tags.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  });
  return { tags, bad };
}

export function tagsText(tags: [string, string][]): string {
  return tags.map(([k, v]) => `${k}=${v}`).join("\n");
}

/** The problems about `path` or a setting inside it. */
export function problemsAt(problems: EditorProblem[], path: string): EditorProblem[] {
  return problems.filter(
    (p) =>
      p.field !== null &&
      (p.field === path || p.field.startsWith(`${path}.`) || p.field.startsWith(`${path}[`)),
  );
}

/** A key of a settings path: `tags.Name`, or `tags["a b"]` when it is not an identifier. */
export function keyPath(prefix: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
    ? `${prefix}.${key}`
    : `${prefix}[${JSON.stringify(key)}]`;
}
