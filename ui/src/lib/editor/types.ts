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
  /** The settings as written, for the form (null: the text does not parse). */
  form: TemplateForm | null;
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

/** A setting's value as written: a literal, or (HCL2) expression text such as `var.region`. */
export type FieldValue =
  { kind: "literal"; value: unknown } | { kind: "expression"; value: string };

/** One change to one setting, by its field path (what Rust's edit engine takes). */
export type Change =
  | { op: "set"; path: string; value: unknown }
  | { op: "unset"; path: string }
  | { op: "insert"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "set_expression"; path: string; expression: string }
  | { op: "move"; path: string; to: number };

/** One build's settings as the form shows them. */
export interface FormBuild {
  /** Its name (`amazon-ebs`, or its `name` / HCL2 source name). */
  name: string;
  /** The file its settings are in. */
  file: string;
  /** Its field path: `builders[0]` or `source.amazon-ebs.web`. */
  prefix: string;
  /** Every key it sets, by key, as written. */
  values: Record<string, FieldValue>;
}

export interface FormProvisioner {
  /** `shell`, `file`, `shell-local`, … */
  type: string;
  file: string;
  /** `provisioners[0]` or `build.provisioner[0]`. */
  prefix: string;
  values: Record<string, FieldValue>;
  /** Why the form shows it read-only (a provisioner AMI Bakery does not bake yet). */
  readOnly: string | null;
}

export interface FormVariable {
  name: string;
  default: FieldValue | null;
  sensitive: boolean;
  prefix: string;
  file: string;
}

/** What the form shows: the settings of every build and provisioner, as written. */
export interface TemplateForm {
  builds: FormBuild[];
  provisioners: FormProvisioner[];
  variables: FormVariable[];
  /** Where a new provisioner goes: `provisioners` or `build.provisioner`. */
  provisionersPath: string;
}

/** An edit made: the patches for the code view and the template checked again. */
export interface EditResult {
  file: string;
  patches: TextPatch[];
  text: string;
  check: EditorCheck;
}

export interface ImageChoice {
  id: string;
  name: string;
  ownerId: string;
  ownerAlias: string | null;
  creationDate: string;
  architecture: string;
  description: string | null;
}

export interface SourceResolution {
  build: string;
  region: string;
  byFilter: boolean;
  image: ImageChoice | null;
  alternatives: ImageChoice[];
  error: string | null;
}

export interface InstanceTypeChoice {
  name: string;
  vcpus: number;
  memoryMib: number;
  architectures: string[];
}

export interface NetworkChoice {
  id: string;
  name: string | null;
  vpcId: string | null;
  cidr: string | null;
  zone: string | null;
  freeAddresses: number | null;
  default: boolean;
}

export interface NetworkChoices {
  vpcs: NetworkChoice[];
  subnets: NetworkChoice[];
  securityGroups: NetworkChoice[];
}

/** A KMS key that can encrypt the image; `value` is what `kms_key_id` is set to. */
export interface KmsKeyChoice {
  value: string;
  keyId: string | null;
  aliases: string[];
  description: string | null;
  /** `AWS` (AWS-managed) or `CUSTOMER`. */
  manager: string;
  /** `Enabled`, `Disabled`, `PendingDeletion`… */
  state: string;
}

/** The input an amazon-ebs option takes. */
export type OptionKind = "string" | "number" | "boolean" | "list" | "map" | "object";

/** An amazon-ebs option Advanced can add (from the template schema). */
export interface BuilderOption {
  name: string;
  kind: OptionKind;
  description: string;
}
