// The template being edited, kept at module level so it survives switching sections (the
// Templates view is unmounted while another section shows), and the recent files.

import type { Dialect, EditorCheck, EditorFile } from "./types";

export interface DocumentFile {
  path: string;
  text: string;
  /** The text as it is on disk (null: never saved). */
  savedText: string | null;
}

export interface EditorDocument {
  /** What was opened (a file or an HCL2 folder), or where a new template will be saved. */
  path: string;
  /** A new template from a starter that has no file yet. */
  untitled: boolean;
  dialect: Dialect;
  files: DocumentFile[];
  /** The file shown (a folder has several). */
  active: number;
}

export const session = $state<{
  document: EditorDocument | null;
  check: EditorCheck | null;
  /** Values typed for the next bake, by variable (kept in memory only, never in the file). */
  bakeValues: Record<string, string>;
}>({
  document: null,
  check: null,
  bakeValues: {},
});

export function isDirty(document: EditorDocument | null): boolean {
  return document !== null && document.files.some((f) => f.text !== f.savedText);
}

export function filesOf(document: EditorDocument): EditorFile[] {
  return document.files.map((f) => ({ path: f.path, text: f.text }));
}

/** The last part of a path, for titles and tabs. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== "");
  return parts.at(-1) ?? path;
}

const RECENT_KEY = "ami-bakery.recent-templates";
const RECENT_MAX = 8;

export function recentTemplates(): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(stored) ? stored.filter((p): p is string => typeof p === "string") : [];
  } catch {
    return [];
  }
}

/** Puts `path` first in the recent files. */
export function rememberTemplate(path: string): string[] {
  const list = [path, ...recentTemplates().filter((p) => p !== path)].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // A webview without storage just has no recent files.
  }
  return list;
}

export function forgetTemplate(path: string): string[] {
  const list = recentTemplates().filter((p) => p !== path);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // As above.
  }
  return list;
}
