// What the Bakes view needs from Rust, as an interface the view takes as a prop: tests pass
// a fake, the app passes `appBakesBackend`, written over `src/backend/` (the only module
// that talks to Rust). It maps the generated types onto the view's own.

import * as backend from "../../backend";
import type {
  BakeStatus,
  BakeSummary,
  Leftover,
  OnError,
  PreparedBake,
  StampedEvent,
  StartBakeRequest,
  UnfinishedBake,
} from "./types";

export interface BakesBackend {
  /** Running bakes first, then recent ones. */
  listBakes(): Promise<BakeSummary[]>;
  /** The template checked with the values given so far, its variables and the target. */
  prepareBake(path: string, vars: Record<string, string>): Promise<PreparedBake>;
  /** Starts one bake per build; resolves to their ids. Sensitive values go to Rust only. */
  startBake(request: StartBakeRequest): Promise<string[]>;
  /** Replays the bake's stored events from seq 0, then its live ones, in batches. */
  attachBake(id: string, onBatch: (batch: StampedEvent[]) => void): Promise<() => void>;
  cancelBake(id: string): Promise<void>;
  /** "Clean up now": what could not be deleted (empty: all clean). */
  cleanupBake(id: string): Promise<Leftover[]>;
  /** Bakes whose process died (or kept on purpose), found in the ledger, with what they made. */
  listUnfinished(): Promise<UnfinishedBake[]>;
  /** The native open dialog for a template; null when dismissed. */
  pickTemplate(): Promise<string | null>;
  /** "Save as…" for the bake's manifest: the native save dialog; the path, or null. */
  saveManifest(id: string): Promise<string | null>;
  /** Each step's expected time (ms) in a bake of this template and region, from the history. */
  expectedSteps?(templatePath: string, region: string): Promise<ExpectedTimes>;
}

/** Expected step times: how many recent bakes they are the median of, and step → ms. */
export interface ExpectedTimes {
  bakes: number;
  steps: Partial<Record<string, number>>;
}

function vars(values: Record<string, string>): backend.VariableInput[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

/** The app's backend for the Bakes view, over Rust's commands. */
export const appBakesBackend: BakesBackend = {
  async listBakes() {
    const [bakes, info] = await Promise.all([backend.listBakes(), backend.getAppInfo()]);
    return bakes.map((bake) => ({
      id: bake.id,
      template_path: bake.templatePath,
      build: bake.build,
      profile: bake.profile,
      region: bake.region,
      status: (bake.interrupted ? "interrupted" : bake.status) as BakeStatus,
      started_at: bake.startedAt,
      finished_at: bake.finishedAt,
      sandbox: info.sandboxEndpoint !== null,
    }));
  },
  async prepareBake(path, values) {
    const [prepared, info] = await Promise.all([
      backend.prepareBake(path, vars(values)),
      backend.getAppInfo(),
    ]);
    return {
      path: prepared.path,
      dialect: prepared.dialect === "hcl2" ? "hcl2" : "json",
      builds: prepared.builds,
      diagnostics: prepared.problems.map((problem) => ({
        severity: problem.severity,
        message: problem.help ? `${problem.message} — ${problem.help}` : problem.message,
        file: problem.file,
        line: problem.line,
        column: problem.column,
        field: problem.field,
      })),
      variables: prepared.variables,
      profile: info.profile,
      region: prepared.regions.find((region) => region !== null) ?? info.region,
      sandbox: info.sandboxEndpoint !== null,
    };
  },
  startBake(request) {
    return backend.startBake(request.path, vars(request.vars), request.onError as OnError);
  },
  attachBake(id, onBatch) {
    return backend.followBake(id, (batch) => onBatch(batch as unknown as StampedEvent[]));
  },
  async cancelBake(id) {
    await backend.cancelBake(id);
  },
  cleanupBake(id) {
    return backend.cleanUpBake(id);
  },
  async listUnfinished() {
    const unfinished = await backend.listUnfinished();
    return unfinished.map((bake) => ({
      bake_id: bake.bakeId,
      template_path: bake.templatePath,
      started_at: bake.startedAt,
      resources: bake.resources,
    }));
  },
  pickTemplate() {
    return backend.pickTemplate();
  },
  saveManifest(id) {
    return backend.saveManifest(id);
  },
  expectedSteps(templatePath, region) {
    return backend.expectedStepTimes(templatePath, region);
  },
};
