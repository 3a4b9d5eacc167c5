// The only door from the UI to the Rust backend. Components import from here, never from
// `@tauri-apps/api` or from the generated `bindings.ts` (which tauri-specta overwrites).
// Every call resolves to its data or throws a `BackendError` carrying `{ kind, message, field }`.

import { Channel } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { commands, events } from "./bindings";
import type {
  AppInfo_Serialize,
  BakeEvent_Serialize,
  BakeStatus,
  BakeSummary_Serialize,
  LeftResource,
  Leftover,
  OnError,
  Preparation_Serialize,
  Problem_Serialize,
  ResourceKind,
  StampedEvent_Deserialize,
  StampedEvent_Serialize,
  StepName,
  UnfinishedBake_Serialize,
  VariableField_Serialize,
  VariableInput,
  CallerIdentityView,
  ErrorKind,
  ImportView_Serialize,
  IpcError_Serialize,
  MfaRequested,
  NewProfile_Deserialize,
  ProfileList_Serialize,
  ProfileView_Serialize,
  SecretView_Serialize,
  SsoSignInStarted,
  EditorCheck_Serialize,
  EditorFile,
  OpenedTemplate,
  OpenWhat,
  StarterView,
  ImageChoice_Serialize,
  ImageQuery,
  InstanceTypeChoice,
  SourceResolution_Serialize,
  EditResult_Serialize,
  FormChange,
  NetworkChoices_Serialize,
  KmsKeyChoice_Serialize,
  BuilderOption,
  Timeline_Serialize,
  TimelineQuery_Deserialize,
  BakeDetail_Serialize,
  BakeDiff_Serialize,
  Lineage_Serialize,
  StepTimes,
  ExpectedSteps,
  ImageStanding_Serialize,
  LaneBy,
} from "./bindings";

// What Rust sends (its `Serialize` shape: every field present, `null` when unset).
export type AppInfo = AppInfo_Serialize;
export type IpcError = IpcError_Serialize;
export type { ErrorKind };

/** What a tauri-specta command resolves to (its "Result" error-handling mode). */
type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: IpcError };

/**
 * What went wrong, as the UI branches on it: an `ErrorKind` reported by Rust, or
 * `"transport"` when the call never reached a command (no Tauri runtime, unknown command,
 * an answer that is not an `IpcError`).
 */
export type BackendErrorKind = ErrorKind | "transport";

export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  /** The input field the error is about, so a form can point at it. */
  readonly field: string | null;

  constructor(kind: BackendErrorKind, message: string, field: string | null = null) {
    super(message);
    this.name = "BackendError";
    this.kind = kind;
    this.field = field;
  }
}

function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.kind === "string" &&
    typeof candidate.message === "string" &&
    (candidate.field === undefined ||
      candidate.field === null ||
      typeof candidate.field === "string")
  );
}

/** Turns anything a backend call can reject with into a `BackendError`. */
export function toBackendError(reason: unknown): BackendError {
  if (reason instanceof BackendError) return reason;
  if (isIpcError(reason)) {
    return new BackendError(reason.kind, reason.message, reason.field ?? null);
  }
  if (reason instanceof Error) {
    return new BackendError("transport", `The backend could not be reached: ${reason.message}`);
  }
  if (typeof reason === "string" && reason.length > 0) {
    // Tauri itself rejects with a plain string, e.g. for a command that does not exist.
    return new BackendError("transport", reason);
  }
  return new BackendError("transport", "The backend returned an unexpected answer.");
}

async function call<T>(run: () => Promise<CommandResult<T>>): Promise<T> {
  let result: CommandResult<T>;
  try {
    result = await run();
  } catch (reason) {
    throw toBackendError(reason);
  }
  if (result.status === "error") throw toBackendError(result.error);
  return result.data;
}

/** Version, data directory, active profile and region, and the sandbox endpoint if any. */
export function getAppInfo(): Promise<AppInfo> {
  return call(() => commands.appInfo());
}

// --- Profiles -------------------------------------------------------------------------------

export type ProfileList = ProfileList_Serialize;
export type ProfileView = ProfileView_Serialize;
export type SecretView = SecretView_Serialize;
export type ImportView = ImportView_Serialize;
export type {
  CallerIdentityView,
  MfaRequested,
  NewProfile_Deserialize as NewProfile,
  SsoSignInStarted,
};

/** Every profile: `~/.aws/config`, `~/.aws/credentials` and the app's own (keyring). */
export function listProfiles(): Promise<ProfileList> {
  return call(() => commands.listProfiles());
}

/** Adds an app profile; the secret goes to the OS keyring and never comes back. */
export function addProfile(profile: NewProfile_Deserialize): Promise<null> {
  return call(() => commands.addProfile(profile));
}

/** Removes an app profile; resolves to the app info (it may have been the one in use). */
export function removeProfile(name: string): Promise<AppInfo> {
  return call(() => commands.removeProfile(name));
}

export function importProfile(name: string, removePlaintext: boolean): Promise<ImportView> {
  return call(() => commands.importProfile(name, removePlaintext));
}

/** STS GetCallerIdentity with the profile (an MFA profile raises `MfaRequested` first). */
export function testProfile(name: string): Promise<CallerIdentityView> {
  return call(() => commands.testProfile(name));
}

/** SSO device sign-in; `SsoSignInStarted` carries the code to show while it waits. */
export function signInProfile(name: string): Promise<null> {
  return call(() => commands.signInProfile(name));
}

/** Makes `name` the profile bakes use; resolves to the new app info for the header. */
export function useProfile(name: string): Promise<AppInfo> {
  return call(() => commands.useProfile(name));
}

/** Answers an MFA dialog; `null` cancels. False when the question is no longer open. */
export async function answerMfa(id: number, code: string | null): Promise<boolean> {
  try {
    return await commands.answerMfa(id, code);
  } catch (reason) {
    throw toBackendError(reason);
  }
}

/** Calls `handler` whenever Rust needs an MFA code; resolves to the function that stops it. */
export function onMfaRequested(handler: (request: MfaRequested) => void): Promise<() => void> {
  return listening(events.mfaRequested.listen((event) => handler(event.payload)));
}

/** Calls `handler` when an SSO sign-in waits for approval in the browser. */
export function onSsoSignInStarted(
  handler: (started: SsoSignInStarted) => void,
): Promise<() => void> {
  return listening(events.ssoSignInStarted.listen((event) => handler(event.payload)));
}

/**
 * Without a backend (the UI opened in a plain browser) nothing can be listened to — and
 * nothing will ever be asked: the app-info banner already says the backend is unreachable.
 */
function listening(started: Promise<() => void>): Promise<() => void> {
  return started.then(
    (unlisten) => () => {
      // Tauri's unlisten is async underneath; once the app is going away it may fail.
      void Promise.resolve(unlisten() as unknown).catch(() => {});
    },
    () => () => {},
  );
}

// --- Bakes ----------------------------------------------------------------------------------

export type BakeEvent = BakeEvent_Serialize;
export type StampedEvent = StampedEvent_Serialize;
export type BakeSummary = BakeSummary_Serialize;
export type Preparation = Preparation_Serialize;
export type Problem = Problem_Serialize;
export type VariableField = VariableField_Serialize;
export type UnfinishedBake = UnfinishedBake_Serialize;
export type { BakeStatus, LeftResource, OnError, ResourceKind, StepName, VariableInput };

/** The native open dialog for a template; `null` when it was closed. */
export function pickTemplate(): Promise<string | null> {
  return call(() => commands.pickTemplate());
}

/** Checks a template with the values given so far: problems, variables, builds. */
export function prepareBake(path: string, vars: VariableInput[]): Promise<Preparation> {
  return call(() => commands.prepareBake(path, vars));
}

/** Starts baking every build of the template with the active profile; the bakes' ids. */
export function startBake(
  path: string,
  vars: VariableInput[],
  onError: OnError,
): Promise<string[]> {
  return call(() => commands.startBake({ path, vars, onError }));
}

/**
 * Follows a bake: `onBatch` gets every event it has reported so far, then its live events
 * in batches (about every 50 ms). Resolves to a function that stops delivering.
 */
export async function followBake(
  bakeId: string,
  onBatch: (events: StampedEvent[]) => void,
): Promise<() => void> {
  let following = true;
  // tauri-specta types a channel by its Deserialize side; Rust sends the Serialize shape
  // (every field present, `null` when unset).
  const channel = new Channel<StampedEvent_Deserialize[]>();
  channel.onmessage = (batch) => {
    if (following) onBatch(batch as StampedEvent[]);
  };
  await call(() => commands.followBake(bakeId, channel));
  return () => {
    following = false;
  };
}

/** Cancels a running bake; its cleanup then shows in its events. */
export function cancelBake(bakeId: string): Promise<null> {
  return call(() => commands.cancelBake(bakeId));
}

/** "Save as…" for a bake's manifest (the native dialog); the path written, null if dismissed. */
export function saveManifest(bakeId: string): Promise<string | null> {
  return call(() => commands.saveManifest(bakeId));
}

/** Running and recent bakes, running ones first. */
export function listBakes(): Promise<BakeSummary[]> {
  return call(() => commands.listBakes());
}

/** Bakes that stopped without cleaning up, with what they left. */
export function listUnfinished(): Promise<UnfinishedBake[]> {
  return call(() => commands.listUnfinished());
}

/** "Clean up now": what is still left afterwards (empty: nothing). */
export function cleanUpBake(bakeId: string): Promise<Leftover[]> {
  return call(() => commands.cleanUpBake(bakeId));
}

// --- History --------------------------------------------------------------------------------

export type Timeline = Timeline_Serialize;
export type TimelineQuery = TimelineQuery_Deserialize;
export type BakeDetail = BakeDetail_Serialize;
export type BakeDiff = BakeDiff_Serialize;
export type Lineage = Lineage_Serialize;
export type ImageStanding = ImageStanding_Serialize;
export type { ExpectedSteps, LaneBy, StepTimes };

/** The bakes of a window of time (clusters when there are more than `max_bakes`). */
export function historyTimeline(query: TimelineQuery): Promise<Timeline> {
  return call(() => commands.historyTimeline(query));
}

/** One bake, whole: the template as baked, variables, account, source, steps, images. */
export function historyBake(bakeId: string): Promise<BakeDetail> {
  return call(() => commands.historyBake(bakeId));
}

/** How a bake differs from the previous bake of its template and build. */
export function historyDiff(bakeId: string): Promise<BakeDiff> {
  return call(() => commands.historyDiff(bakeId));
}

/** What an image was baked from, and every bake built from it. */
export function historyLineage(imageId: string): Promise<Lineage> {
  return call(() => commands.historyLineage(imageId));
}

/** A template's recent bakes' step times, and each step's expected time in `region`. */
export function historyTrends(
  templatePath: string,
  region: string,
): Promise<[StepTimes[], ExpectedSteps]> {
  return call(() => commands.historyTrends(templatePath, region));
}

/** Each step's expected time for a bake of this template in `region` (median of recent bakes). */
export function expectedStepTimes(templatePath: string, region: string): Promise<ExpectedSteps> {
  return call(() => commands.expectedStepTimes(templatePath, region));
}

/** Where each image of a bake stands in the account now (asked with the active profile). */
export function historyImageStandings(bakeId: string): Promise<ImageStanding[]> {
  return call(() => commands.historyImageStandings(bakeId));
}

// --- Templates ------------------------------------------------------------------------------

export type EditorCheck = EditorCheck_Serialize;
export type { EditorFile, OpenedTemplate, OpenWhat, StarterView };

/** The native dialog to open a template file or an HCL2 folder; `null` when closed. */
export function pickTemplateToEdit(what: OpenWhat): Promise<string | null> {
  return call(() => commands.pickTemplateToEdit(what));
}

/** The native Save As dialog, starting at `suggested`; `null` when closed. */
export function pickSavePath(suggested: string): Promise<string | null> {
  return call(() => commands.pickSavePath(suggested));
}

/** Reads a template (a JSON or `.pkr.hcl` file, or an HCL2 folder) for the editor. */
export function openTemplate(path: string): Promise<OpenedTemplate> {
  return call(() => commands.openTemplate(path));
}

/** Checks the editor's text as if saved at `path`: every problem, located. */
export function checkTemplateText(
  path: string,
  files: EditorFile[],
  vars: VariableInput[],
): Promise<EditorCheck> {
  return call(() => commands.checkTemplateText(path, files, vars));
}

/** Writes the text to `path` as it is (atomically). */
export function saveTemplate(path: string, text: string): Promise<null> {
  return call(() => commands.saveTemplate(path, text));
}

/** A JSON template's text in HCL2 (as `bakery fmt --to hcl` writes it). */
export function convertTemplateToHcl(path: string, text: string): Promise<string> {
  return call(() => commands.convertTemplateToHcl(path, text));
}

export type ImageChoice = ImageChoice_Serialize;
export type SourceResolution = SourceResolution_Serialize;
export type { ImageQuery, InstanceTypeChoice };

/** Images of an owner matching a name pattern in `region`, newest first (cached). */
export function findImages(
  region: string,
  query: ImageQuery,
  refresh: boolean,
): Promise<ImageChoice[]> {
  return call(() => commands.findImages(region, query, refresh));
}

/** The instance types `region` offers (cached unless `refresh`). */
export function listInstanceTypes(region: string, refresh: boolean): Promise<InstanceTypeChoice[]> {
  return call(() => commands.listInstanceTypes(region, refresh));
}

export type NetworkChoices = NetworkChoices_Serialize;

/** The regions the account can use (cached unless `refresh`). */
export function listRegions(region: string, refresh: boolean): Promise<string[]> {
  return call(() => commands.listRegions(region, refresh));
}

/** The VPCs, subnets and security groups of `region` (cached unless `refresh`). */
export function listNetwork(region: string, refresh: boolean): Promise<NetworkChoices> {
  return call(() => commands.listNetwork(region, refresh));
}

export type KmsKeyChoice = KmsKeyChoice_Serialize;
export type { BuilderOption };

/** The KMS keys of `region` that can encrypt the image: the default EBS key first. */
export function listKmsKeys(region: string, refresh: boolean): Promise<KmsKeyChoice[]> {
  return call(() => commands.listKmsKeys(region, refresh));
}

/** Every amazon-ebs option the form's Advanced section can add, typed, from the schema. */
export function builderOptions(): Promise<BuilderOption[]> {
  return call(() => commands.builderOptions());
}

/** The native dialog to pick script files for `template`: each as the template refers to it. */
export function pickScriptFiles(template: string): Promise<string[]> {
  return call(() => commands.pickScriptFiles(template));
}

/** What each build's source image resolves to in its region, from the editor's text. */
export function resolveSourceImages(
  path: string,
  files: EditorFile[],
): Promise<SourceResolution[]> {
  return call(() => commands.resolveSourceImages(path, files));
}

export type EditResult = EditResult_Serialize;
export type { FormChange };

/** One form edit of `file`: the code view's patches, the new text, the template checked. */
export function editTemplate(
  path: string,
  files: EditorFile[],
  file: string,
  changes: FormChange[],
): Promise<EditResult> {
  return call(() => commands.editTemplate(path, files, file, changes));
}

/** The starters "New" offers. */
export function templateStarters(): Promise<StarterView[]> {
  return call(() => commands.templateStarters());
}

/**
 * Calls `handler` with the paths of files dropped on the window; resolves to the function
 * that stops listening (a no-op without a Tauri runtime).
 */
export function onFilesDropped(handler: (paths: string[]) => void): Promise<() => void> {
  try {
    return listening(
      getCurrentWebview().onDragDropEvent((event) => {
        if (event.payload.type === "drop") handler(event.payload.paths);
      }),
    );
  } catch {
    return Promise.resolve(() => {});
  }
}

/**
 * Asks `guard` before the window closes: when it resolves to false the window stays open.
 * Resolves to the function that stops guarding.
 */
export function guardWindowClose(guard: () => Promise<boolean>): Promise<() => void> {
  try {
    return listening(
      getCurrentWindow().onCloseRequested(async (event) => {
        // Tauri closes the window after the handler unless it was prevented.
        if (!(await guard())) event.preventDefault();
      }),
    );
  } catch {
    return Promise.resolve(() => {});
  }
}
