// The Templates view's data: what Rust's editor commands send, in the view's words.

/** JSON (`packer.json`) or HCL2 (`.pkr.hcl`, or a folder of them). */
export type Dialect = "json" | "hcl2";

export type Severity = "error" | "warning";

/** A did-you-mean ready to apply: replace `from..to` (UTF-16 units) by `text`. */
export interface Fix {
  from: number;
  to: number;
  text: string;
}

/** One problem, located in its file (UTF-16 offsets) and by its field for the form. */
export interface EditorProblem {
  severity: Severity;
  message: string;
  help: string | null;
  file: string;
  line: number;
  column: number;
  field: string | null;
  from: number | null;
  to: number | null;
  fix: Fix | null;
}

export interface EditorCheck {
  problems: EditorProblem[];
  errors: number;
  builds: string[];
}

/** One file of the template with its text. */
export interface EditorFile {
  path: string;
  text: string;
}

export interface OpenedTemplate {
  path: string;
  dialect: Dialect;
  files: EditorFile[];
}

export interface Starter {
  id: string;
  title: string;
  detail: string;
  dialect: Dialect;
  fileName: string;
  text: string;
  /** Where an unsaved template from it is checked from and "Save" proposes. */
  path: string;
}

/** A small text change for CodeMirror, in UTF-16 offsets of the file's text. */
export interface TextPatch {
  from: number;
  to: number;
  text: string;
}
