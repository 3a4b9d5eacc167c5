// The Bakes view's data: exactly what Rust sends (see notes/bakes-contract.md), plus the
// ordered lists and titles the components use instead of comparing bare strings.

export const STEP_NAMES = [
  "preflight",
  "source_image",
  "network",
  "key_pair",
  "security_group",
  "launch",
  "connect",
  "provision",
  "stop",
  "create_image",
  "copy_image",
  "share",
  "manifest",
  "cleanup",
] as const;

/** A step of the bake, in the order the engine runs them; `cleanup` comes last. */
export type StepName = (typeof STEP_NAMES)[number];

export const CLEANUP_STEP: StepName = "cleanup";

export const STEP_TITLES: Record<StepName, string> = {
  preflight: "Preflight checks",
  source_image: "Find the source image",
  network: "Prepare the network",
  key_pair: "Create a temporary key pair",
  security_group: "Create a temporary security group",
  launch: "Launch the source instance",
  connect: "Wait for SSH",
  provision: "Run provisioners",
  stop: "Stop the instance",
  create_image: "Create the image",
  copy_image: "Copy the image to other regions",
  share: "Share the image",
  manifest: "Run the post-processors",
  cleanup: "Clean up",
};

/** What to do when a step fails: shown under its error. */
export const STEP_HINTS: Record<StepName, string> = {
  preflight:
    "Check the profile in use (Profiles → Test), that the regions exist and that the AMI name is not taken yet.",
  source_image:
    "Check source_ami or source_ami_filter (its owners and name pattern) in the region the bake runs in.",
  network:
    "Check vpc_id / subnet_id, or that the account has a default VPC; the bake can also make a temporary one.",
  key_pair: "Check that the profile may call ec2:ImportKeyPair in this region.",
  security_group:
    "Check that the profile may create security groups in the VPC and that the VPC exists.",
  launch:
    "Check the instance type (offered in this zone?), the subnet, the IAM instance profile and the account's limits.",
  connect:
    "Check ssh_username, that the security group lets SSH in from your address and that the instance has a reachable address.",
  provision:
    "Read the failing provisioner's output in the log below; choose “keep the instance for debugging” to log in and look.",
  stop: "Check the instance's state in the EC2 console; it may have been stopped or terminated elsewhere.",
  create_image:
    "Check that the AMI name is still free and that the profile may call ec2:CreateImage.",
  copy_image:
    "Check that the target regions are enabled for the account and the KMS keys exist there.",
  share: "Check the account ids in ami_users and the groups in ami_groups.",
  manifest: "Check the post-processors' settings (the manifest's output path).",
  cleanup:
    "Some resources may be left: they are listed below. “Clean up now” or `bakery cleanup` retries.",
};

export const RESOURCE_KINDS = [
  "key_pair",
  "security_group",
  "instance",
  "image",
  "snapshot",
  "vpc",
  "subnet",
  "internet_gateway",
  "route_table",
  "launch_template",
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const RESOURCE_KIND_LABELS: Record<ResourceKind, string> = {
  key_pair: "Key pair",
  security_group: "Security group",
  instance: "Instance",
  image: "Image",
  snapshot: "Snapshot",
  vpc: "VPC",
  subnet: "Subnet",
  internet_gateway: "Internet gateway",
  route_table: "Route table",
  launch_template: "Launch template",
};

export const LOG_STREAMS = ["stdout", "stderr"] as const;
export type LogStream = (typeof LOG_STREAMS)[number];
export const STDERR: LogStream = "stderr";

export const OUTCOMES = ["succeeded", "failed", "cancelled", "aborted"] as const;
export type BakeOutcome = (typeof OUTCOMES)[number];

export const BAKE_STATUSES = ["running", ...OUTCOMES, "interrupted"] as const;
/** A bake in the list: an outcome, still running, or `interrupted` (its process died). */
export type BakeStatus = (typeof BAKE_STATUSES)[number];
export const RUNNING: BakeStatus = "running";
export const ABORTED: BakeOutcome = "aborted";
export const CANCELLED: BakeOutcome = "cancelled";
export const SUCCEEDED: BakeOutcome = "succeeded";

export const BAKE_STATUS_LABELS: Record<BakeStatus, string> = {
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  aborted: "Kept for debugging",
  interrupted: "Interrupted",
};

/** One build as Packer's `manifest` post-processor writes it (`builds[]` of `manifest.json`). */
export interface ManifestBuild {
  name: string;
  builder_type: string;
  /** Seconds since the Unix epoch. */
  build_time: number;
  files: string[] | null;
  /** `region:ami-…,region:ami-…`. */
  artifact_id: string;
  packer_run_uuid: string;
  custom_data: Partial<Record<string, string>> | null;
}

/** One event of a bake, tagged by `type` (the same as `bakery bake --json` prints). */
export type BakeEvent =
  | { type: "bake_started"; bake_id: string; build: string; region: string }
  | { type: "step_started"; step: StepName }
  | { type: "step_finished"; step: StepName; duration_ms: number }
  | { type: "step_failed"; step: StepName; duration_ms: number; error: string }
  | { type: "step_cancelled"; step: StepName; duration_ms: number }
  | { type: "note"; text: string }
  | { type: "resource_created"; kind: ResourceKind; id: string; region: string }
  | { type: "resource_deleted"; kind: ResourceKind; id: string; region: string }
  | { type: "resource_left"; kind: ResourceKind; id: string; region: string; reason: string }
  | { type: "waiting"; what: string; state: string; attempt: number }
  | { type: "provisioner_started"; index: number; kind: string; title: string }
  | { type: "provisioner_finished"; index: number; duration_ms: number; error: string | null }
  | { type: "output"; stream: LogStream; line: string }
  | { type: "artifact"; region: string; image_id: string }
  | { type: "manifest"; build: ManifestBuild; path: string | null }
  | { type: "bake_finished"; outcome: BakeOutcome; duration_ms: number; error: string | null };

export type BakeEventType = BakeEvent["type"];

/** An event as stored and streamed: `seq` from 0 per bake without gaps, `at` RFC 3339 UTC. */
export type StampedEvent = { seq: number; at: string } & BakeEvent;

/** A row of the bakes list. */
export interface BakeSummary {
  id: string;
  template_path: string | null;
  build: string | null;
  profile: string | null;
  region: string;
  status: BakeStatus;
  started_at: string;
  finished_at: string | null;
  sandbox: boolean;
}

export const SEVERITIES = ["error", "warning"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const ERROR: Severity = "error";

export interface Diagnostic {
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  field: string | null;
}

export interface TemplateVariable {
  name: string;
  required: boolean;
  sensitive: boolean;
  default: string | null;
}

export const DIALECTS = ["json", "hcl2"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** What `prepareBake(path)` tells before a bake: the check, the variables, the target. */
export interface PreparedBake {
  path: string;
  dialect: Dialect;
  builds: string[];
  diagnostics: Diagnostic[];
  variables: TemplateVariable[];
  profile: string | null;
  region: string | null;
  sandbox: boolean;
}

export const ON_ERROR_CHOICES = ["cleanup", "abort"] as const;
/** Packer's `-on-error`: clean up, or keep the instance for debugging. */
export type OnError = (typeof ON_ERROR_CHOICES)[number];
export const ON_ERROR_LABELS: Record<OnError, string> = {
  cleanup: "Clean up",
  abort: "Keep the instance for debugging",
};

export interface StartBakeRequest {
  path: string;
  vars: Record<string, string>;
  onError: OnError;
}

export interface CloudResource {
  kind: ResourceKind;
  id: string;
  region: string;
}

/** A resource a cleanup could not delete, and why. */
export interface Leftover extends CloudResource {
  reason: string;
}

/** A bake whose process died, found in the ledger, with what it made. */
export interface UnfinishedBake {
  bake_id: string;
  template_path: string | null;
  started_at: string;
  resources: CloudResource[];
}
