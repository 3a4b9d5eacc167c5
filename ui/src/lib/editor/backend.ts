// What the Templates view needs from Rust, as an interface the view takes as a prop: tests
// pass a fake, the app passes `appEditorBackend`, written over `src/backend/` (the only
// module that talks to Rust).

import * as backend from "../../backend";
import type {
  Change,
  EditorCheck,
  EditorFile,
  EditResult,
  BuilderOption,
  ImageChoice,
  InstanceTypeChoice,
  KmsKeyChoice,
  NetworkChoices,
  OpenedTemplate,
  SourceResolution,
  Starter,
} from "./types";

/** The pickers' read-only lookups in the active profile's account (cached by Rust). */
export interface PickerBackend {
  findImages(
    region: string,
    query: { owner: string; name: string; architecture: string },
    refresh: boolean,
  ): Promise<ImageChoice[]>;
  instanceTypes(region: string, refresh: boolean): Promise<InstanceTypeChoice[]>;
  network(region: string, refresh: boolean): Promise<NetworkChoices>;
  regions(region: string, refresh: boolean): Promise<string[]>;
  /** The KMS keys that can encrypt the image: the default EBS key first. */
  kmsKeys(region: string, refresh: boolean): Promise<KmsKeyChoice[]>;
  /** What each build's source image resolves to, from the editor's text as it is now. */
  resolveSources(): Promise<SourceResolution[]>;
}

export interface EditorBackend {
  /**
   * One form edit of `file` (its text as the editor has it now): the patches for the code
   * view, the new text, and the template checked again.
   */
  edit(path: string, files: EditorFile[], file: string, changes: Change[]): Promise<EditResult>;
  findImages: PickerBackend["findImages"];
  instanceTypes: PickerBackend["instanceTypes"];
  network: PickerBackend["network"];
  regions: PickerBackend["regions"];
  kmsKeys: PickerBackend["kmsKeys"];
  /** Every amazon-ebs option Advanced can add, typed. */
  builderOptions(): Promise<BuilderOption[]>;
  /**
   * The native dialog to pick script files for `template`'s shell provisioner: each as the
   * template refers to it; empty when closed.
   */
  pickScripts(template: string): Promise<string[]>;
  resolveSources(path: string, files: EditorFile[]): Promise<SourceResolution[]>;
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
  async edit(path, files, file, changes) {
    return (await backend.editTemplate(path, files, file, changes)) as EditResult;
  },
  findImages(region, query, refresh) {
    return backend.findImages(region, query, refresh);
  },
  instanceTypes(region, refresh) {
    return backend.listInstanceTypes(region, refresh);
  },
  network(region, refresh) {
    return backend.listNetwork(region, refresh);
  },
  regions(region, refresh) {
    return backend.listRegions(region, refresh);
  },
  kmsKeys(region, refresh) {
    return backend.listKmsKeys(region, refresh);
  },
  builderOptions() {
    return backend.builderOptions();
  },
  pickScripts(template) {
    return backend.pickScriptFiles(template);
  },
  resolveSources(path, files) {
    return backend.resolveSourceImages(path, files);
  },
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
