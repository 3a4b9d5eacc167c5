// What the Templates view needs from Rust, as an interface the view takes as a prop: tests
// pass a fake, the app passes `appEditorBackend`, written over `src/backend/` (the only
// module that talks to Rust).

import * as backend from "../../backend";
import type { EditorCheck, EditorFile, OpenedTemplate, Starter } from "./types";

export interface EditorBackend {
  /** The native open dialog (a file, or a folder of `.pkr.hcl` files); null when closed. */
  pick(what: "file" | "folder"): Promise<string | null>;
  /** The native Save As dialog starting at `suggested`; null when closed. */
  pickSavePath(suggested: string): Promise<string | null>;
  open(path: string): Promise<OpenedTemplate>;
  /** Every problem of the text as it is now, as if saved at `path`. */
  check(path: string, files: EditorFile[]): Promise<EditorCheck>;
  save(path: string, text: string): Promise<void>;
  convertToHcl(path: string, text: string): Promise<string>;
  starters(): Promise<Starter[]>;
}

export const appEditorBackend: EditorBackend = {
  pick(what) {
    return backend.pickTemplateToEdit(what);
  },
  pickSavePath(suggested) {
    return backend.pickSavePath(suggested);
  },
  open(path) {
    return backend.openTemplate(path);
  },
  async check(path, files) {
    const checked = await backend.checkTemplateText(path, files, []);
    return checked as EditorCheck;
  },
  async save(path, text) {
    await backend.saveTemplate(path, text);
  },
  convertToHcl(path, text) {
    return backend.convertTemplateToHcl(path, text);
  },
  starters() {
    return backend.templateStarters();
  },
};
