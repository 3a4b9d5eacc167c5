// The code view's CodeMirror 6 set-up, kept out of Svelte's reactive state (UI.md pitfall
// 4): one EditorView per open file, JSON or HCL highlighting, the Rust checker's problems
// as underlines with their message (positions from Rust: WebKitGTK's JSON.parse carries
// none), the did-you-mean as a lint action, and the form's edits applied as small changes
// (never a whole-document replace) so the cursor and the undo history survive.

import { autocompletion, closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import {
  defaultKeymap,
  history,
  historyKeymap,
  indentWithTab,
  redo,
  undo,
} from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import {
  HighlightStyle,
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { tags } from "@lezer/highlight";
import { type Diagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { hcl } from "codemirror-lang-hcl";
import type { Dialect, EditorProblem, TextPatch } from "./types";

/** What the code view tells its owner. */
export interface CodeViewEvents {
  /** The text changed by typing, a fix or undo (not by `applyPatches` from the form). */
  onText(text: string): void;
}

const dark = window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;

const theme = EditorView.theme(
  {
    "&": {
      height: "100%",
      fontSize: "13px",
      backgroundColor: "var(--color-surface)",
      color: "var(--color-text)",
    },
    ".cm-scroller": {
      fontFamily: "var(--font-mono)",
      lineHeight: "1.5",
    },
    ".cm-gutters": {
      backgroundColor: "var(--color-bg)",
      color: "var(--color-text-muted)",
      borderRight: "1px solid var(--color-border)",
    },
    ".cm-activeLine": { backgroundColor: "rgb(127 127 127 / 8%)" },
    ".cm-activeLineGutter": { backgroundColor: "rgb(127 127 127 / 12%)" },
    "&.cm-focused": { outline: "2px solid var(--color-accent)", outlineOffset: "-2px" },
  },
  { dark },
);

/** Token colours readable on the dark palette (CodeMirror's default style is for light). */
const darkHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.definitionKeyword, tags.bool, tags.null], color: "#ff9e64" },
  { tag: [tags.string, tags.special(tags.string)], color: "#9ece6a" },
  { tag: [tags.number], color: "#e0af68" },
  { tag: [tags.propertyName, tags.attributeName, tags.variableName], color: "#7aa2f7" },
  { tag: [tags.typeName, tags.className], color: "#bb9af7" },
  {
    tag: [tags.comment, tags.lineComment, tags.blockComment],
    color: "#8b95a7",
    fontStyle: "italic",
  },
  { tag: [tags.punctuation, tags.bracket, tags.operator], color: "#a9b1c6" },
]);

/** The token colours for the palette in use. */
export const highlighting: Extension = syntaxHighlighting(
  dark ? darkHighlight : defaultHighlightStyle,
  { fallback: true },
);

function language(dialect: Dialect): Extension {
  return dialect === "json" ? json() : hcl();
}

/** Problems of one file as CodeMirror diagnostics, clamped to the document. */
export function diagnosticsFor(problems: EditorProblem[], length: number): Diagnostic[] {
  return problems
    .filter((p) => p.from !== null)
    .map((p) => {
      const from = Math.min(p.from ?? 0, length);
      const to = Math.min(Math.max(p.to ?? from, from), length);
      const diagnostic: Diagnostic = {
        from,
        to,
        severity: p.severity === "error" ? "error" : "warning",
        message: p.help ? `${p.message} — ${p.help}` : p.message,
        source: p.field ?? undefined,
      };
      const fix = p.fix;
      if (fix !== null) {
        diagnostic.actions = [
          {
            name: `Use “${fix.text}”`,
            apply(view) {
              view.dispatch({ changes: { from: fix.from, to: fix.to, insert: fix.text } });
            },
          },
        ];
      }
      return diagnostic;
    });
}

/** One file's editor. */
export class CodeView {
  readonly view: EditorView;
  private readonly languageSlot = new Compartment();
  /** Set while the form's patches are applied, so they are not reported back as typing. */
  private applying = false;

  constructor(parent: HTMLElement, text: string, dialect: Dialect, events: CodeViewEvents) {
    const state = EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        foldGutter(),
        lintGutter(),
        history(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        highlightActiveLine(),
        highlightActiveLineGutter(),
        highlightSelectionMatches(),
        highlighting,
        this.languageSlot.of(language(dialect)),
        keymap.of([
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...historyKeymap,
          indentWithTab,
        ]),
        EditorView.contentAttributes.of({
          "aria-label": "Template text",
          "data-testid": "code-view-content",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !this.applying) events.onText(update.state.doc.toString());
        }),
        theme,
      ],
    });
    this.view = new EditorView({ state, parent });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** The form's edit as small changes (offsets in UTF-16 units, as the document counts). */
  applyPatches(patches: TextPatch[]): void {
    if (patches.length === 0) return;
    this.applying = true;
    try {
      this.view.dispatch({
        changes: patches.map((p) => ({ from: p.from, to: p.to, insert: p.text })),
        userEvent: "input.form",
      });
    } finally {
      this.applying = false;
    }
  }

  /** Replaces the text after it changed on disk or in another way the form can't patch. */
  replaceAll(text: string): void {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
  }

  setDialect(dialect: Dialect): void {
    this.view.dispatch({ effects: this.languageSlot.reconfigure(language(dialect)) });
  }

  showProblems(problems: EditorProblem[]): void {
    const diagnostics = diagnosticsFor(problems, this.view.state.doc.length);
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
  }

  /** Undoes the last change, typed or made by the form (one history for both). */
  undo(): boolean {
    return undo(this.view);
  }

  redo(): boolean {
    return redo(this.view);
  }

  /** Puts the cursor at `offset` and scrolls it into view. */
  reveal(offset: number): void {
    const at = Math.min(offset, this.view.state.doc.length);
    this.view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
    this.view.focus();
  }

  destroy(): void {
    this.view.destroy();
  }
}

/** The code view's look for text shown read-only (the History view's template as baked). */
export function readOnlyLook(dialect: Dialect): Extension[] {
  return [
    theme,
    highlighting,
    language(dialect),
    lineNumbers(),
    EditorView.editable.of(false),
    EditorState.readOnly.of(true),
  ];
}
