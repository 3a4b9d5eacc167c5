// Folds a bake's stamped events (replayed, then live) into what the bake page shows: the
// steps and their states, the resources, the provisioner groups, the artifacts, the outcome.
// Output lines go to a LogBuffer (kept outside reactive state); only their count lives here.

import { LogBuffer, type LogLineInput } from "./logBuffer";
import {
  ABORTED,
  CANCELLED,
  CLEANUP_STEP,
  STEP_HINTS,
  STEP_NAMES,
  STEP_TITLES,
  type BakeOutcome,
  type CloudResource,
  type ManifestBuild,
  type ResourceKind,
  type StampedEvent,
  type StepName,
} from "./types";

export const STEP_STATES = [
  "waiting",
  "running",
  "done",
  "failed",
  "cancelled",
  "skipped",
] as const;
export type StepStateKind = (typeof STEP_STATES)[number];

/** A step's state; times are epoch milliseconds. */
export type StepState =
  | { kind: "waiting" }
  | { kind: "running"; startedAt: number }
  | { kind: "done"; startedAt: number; durationMs: number }
  | { kind: "failed"; startedAt: number; durationMs: number; error: string; hint: string }
  /** The step that was running when the person cancelled the bake. */
  | { kind: "cancelled"; startedAt: number; durationMs: number }
  | { kind: "skipped"; reason: string };

export interface Waiting {
  what: string;
  state: string;
  attempt: number;
}

export interface StepView {
  name: StepName;
  title: string;
  state: StepState;
  /** The latest `waiting` event while the step ran (e.g. the instance's state). */
  waiting: Waiting | null;
  notes: string[];
}

export const RESOURCE_STATES = ["created", "deleted", "left"] as const;
export type ResourceStateKind = (typeof RESOURCE_STATES)[number];

export interface ResourceView extends CloudResource {
  state: ResourceStateKind;
  /** Why it was left (state `left`). */
  reason: string | null;
}

export interface ProvisionerGroup {
  index: number;
  kind: string;
  title: string;
  /** The index of its first log line (= the line count when it started). */
  firstLine: number;
  /** The index of its last log line; `firstLine - 1` while it has none. */
  lastLine: number;
  startedAt: number;
  durationMs: number | null;
  error: string | null;
  running: boolean;
}

export interface Artifact {
  region: string;
  imageId: string;
}

/** What Packer's `manifest` post-processor writes to `manifest.json` for a fresh file. */
export interface Manifest {
  builds: ManifestBuild[];
  last_run_uuid: string;
}

/** The manifest as the file holds it (pretty JSON, two spaces, like Packer's). */
export function manifestText(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2);
}

export interface BakeView {
  bakeId: string | null;
  build: string | null;
  region: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  steps: StepView[];
  resources: ResourceView[];
  groups: ProvisionerGroup[];
  artifacts: Artifact[];
  outcome: BakeOutcome | null;
  error: string | null;
  /** The bake's own total once finished (Rust's `duration_ms`). */
  durationMs: number | null;
  notes: string[];
  /** Packer's `manifest.json` for this bake, once its images exist. */
  manifest: Manifest | null;
  /** Where a `manifest` post-processor wrote it, if the template has one. */
  manifestPath: string | null;
  lineCount: number;
  /** The step to show open: the failed one, else the running one. */
  openStep: StepName | null;
  /** The next `seq` expected: events below it were seen already. */
  nextSeq: number;
}

interface StepRecord {
  startedAt: number | null;
  durationMs: number | null;
  error: string | null;
  /** The engine reported it cut short by the cancel (`step_cancelled`). */
  cancelled: boolean;
  /** A later step started (or the bake ended) while this one had not finished. */
  interrupted: boolean;
  waiting: Waiting | null;
  notes: string[];
}

function resourceKey(kind: ResourceKind, id: string, region: string): string {
  return `${kind}\u0000${region}\u0000${id}`;
}

export function parseTime(at: string): number {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? 0 : ms;
}

/** The elapsed time of a bake or step: its duration when finished, else `now - start`. */
export function elapsedMs(
  startedAt: number | null,
  durationMs: number | null,
  now: number,
): number {
  if (durationMs !== null) return durationMs;
  if (startedAt === null) return 0;
  return Math.max(0, now - startedAt);
}

/**
 * One bake's state, fed batch after batch. Events at or below a seq already seen are ignored,
 * so a replay from the store followed by the live stream (which may overlap it) is safe.
 */
export class BakeTracker {
  readonly log: LogBuffer;
  private nextSeq = 0;
  private bakeId: string | null = null;
  private build: string | null = null;
  private region: string | null = null;
  private startedAt: number | null = null;
  private finishedAt: number | null = null;
  private outcome: BakeOutcome | null = null;
  private error: string | null = null;
  private durationMs: number | null = null;
  private readonly steps = new Map<StepName, StepRecord>();
  private readonly resources = new Map<string, ResourceView>();
  private readonly groups: ProvisionerGroup[] = [];
  private readonly artifacts: Artifact[] = [];
  private readonly notes: string[] = [];
  private manifest: Manifest | null = null;
  private manifestPath: string | null = null;
  private current: StepName | null = null;
  private cached: BakeView | null = null;

  constructor(log: LogBuffer = new LogBuffer()) {
    this.log = log;
  }

  /** Applies a batch; returns whether anything new was in it. */
  apply(batch: readonly StampedEvent[]): boolean {
    const fresh = batch.filter((event) => event.seq >= this.nextSeq);
    if (fresh.length === 0) return false;
    fresh.sort((a, b) => a.seq - b.seq);
    const lines: LogLineInput[] = [];
    let lineCount = this.log.length;
    let seen = this.nextSeq;
    for (const event of fresh) {
      if (event.seq < seen) continue; // a duplicate inside the batch
      seen = event.seq + 1;
      if (event.type === "output") {
        const group = this.groups.length - 1;
        lines.push({ stream: event.stream, line: event.line, group });
        if (group >= 0) this.groups[group].lastLine = lineCount;
        lineCount += 1;
      } else {
        this.fold(event, lineCount);
      }
    }
    this.nextSeq = seen;
    if (lines.length > 0) this.log.append(lines);
    this.cached = null;
    return true;
  }

  private step(name: StepName): StepRecord {
    let record = this.steps.get(name);
    if (record === undefined) {
      record = {
        startedAt: null,
        durationMs: null,
        error: null,
        cancelled: false,
        interrupted: false,
        waiting: null,
        notes: [],
      };
      this.steps.set(name, record);
    }
    return record;
  }

  private interruptRunning(at: number, except: StepName | null): void {
    for (const [name, record] of this.steps) {
      if (name === except) continue;
      if (record.startedAt !== null && record.durationMs === null) {
        record.durationMs = Math.max(0, at - record.startedAt);
        record.interrupted = true;
      }
    }
  }

  /** Ends the provisioner group still open (the next one started, or its step ended). */
  private closeGroups(at: number): void {
    for (const group of this.groups) {
      if (group.running) {
        group.running = false;
        group.durationMs = Math.max(0, at - group.startedAt);
      }
    }
  }

  private fold(event: StampedEvent, lineCount: number): void {
    const at = parseTime(event.at);
    if (this.startedAt === null) this.startedAt = at;
    switch (event.type) {
      case "bake_started":
        this.bakeId = event.bake_id;
        this.build = event.build;
        this.region = event.region;
        this.startedAt = at;
        break;
      case "step_started": {
        // Steps run one after another: a step still open when the next starts was cut short.
        this.interruptRunning(at, event.step);
        this.closeGroups(at);
        const record = this.step(event.step);
        record.startedAt = at;
        record.durationMs = null;
        record.error = null;
        record.cancelled = false;
        record.interrupted = false;
        this.current = event.step;
        break;
      }
      case "step_finished": {
        const record = this.step(event.step);
        if (record.startedAt === null) record.startedAt = at - event.duration_ms;
        record.durationMs = event.duration_ms;
        record.interrupted = false;
        break;
      }
      case "step_failed": {
        const record = this.step(event.step);
        if (record.startedAt === null) record.startedAt = at - event.duration_ms;
        record.durationMs = event.duration_ms;
        record.error = event.error;
        record.interrupted = false;
        break;
      }
      case "step_cancelled": {
        const record = this.step(event.step);
        if (record.startedAt === null) record.startedAt = at - event.duration_ms;
        record.durationMs = event.duration_ms;
        record.cancelled = true;
        record.interrupted = false;
        break;
      }
      case "manifest":
        this.manifest = { builds: [event.build], last_run_uuid: event.build.packer_run_uuid };
        this.manifestPath = event.path;
        break;
      case "note":
        this.notes.push(event.text);
        if (this.current !== null) this.step(this.current).notes.push(event.text);
        break;
      case "waiting":
        if (this.current !== null) {
          this.step(this.current).waiting = {
            what: event.what,
            state: event.state,
            attempt: event.attempt,
          };
        }
        break;
      case "resource_created":
      case "resource_deleted":
      case "resource_left": {
        const key = resourceKey(event.kind, event.id, event.region);
        const existing = this.resources.get(key);
        const state =
          event.type === "resource_created"
            ? "created"
            : event.type === "resource_deleted"
              ? "deleted"
              : "left";
        const reason = event.type === "resource_left" ? event.reason : null;
        if (existing === undefined) {
          this.resources.set(key, {
            kind: event.kind,
            id: event.id,
            region: event.region,
            state,
            reason,
          });
        } else {
          existing.state = state;
          existing.reason = reason;
        }
        break;
      }
      case "provisioner_started":
        this.closeGroups(at);
        this.groups.push({
          index: event.index,
          kind: event.kind,
          title: event.title,
          firstLine: lineCount,
          lastLine: lineCount - 1,
          startedAt: at,
          durationMs: null,
          error: null,
          running: true,
        });
        break;
      case "provisioner_finished": {
        let group: ProvisionerGroup | undefined;
        for (const candidate of this.groups) if (candidate.index === event.index) group = candidate;
        if (group !== undefined) {
          group.running = false;
          group.durationMs = event.duration_ms;
          group.error = event.error;
        }
        break;
      }
      case "artifact":
        this.artifacts.push({ region: event.region, imageId: event.image_id });
        break;
      case "bake_finished":
        this.outcome = event.outcome;
        this.error = event.error;
        this.durationMs = event.duration_ms;
        this.finishedAt = at;
        this.interruptRunning(at, null);
        this.closeGroups(at);
        break;
      case "output":
        break; // handled by apply (it goes to the log)
    }
  }

  private stepState(name: StepName, index: number, laterStarted: boolean): StepState {
    const record = this.steps.get(name);
    if (record === undefined || record.startedAt === null) {
      if (name === CLEANUP_STEP && this.outcome === ABORTED) {
        return { kind: "skipped", reason: "Kept for debugging: nothing was cleaned up." };
      }
      if (this.outcome !== null || laterStarted) {
        return { kind: "skipped", reason: "Not reached." };
      }
      return { kind: "waiting" };
    }
    if (record.durationMs === null) return { kind: "running", startedAt: record.startedAt };
    if (record.cancelled) {
      return { kind: "cancelled", startedAt: record.startedAt, durationMs: record.durationMs };
    }
    // Bakes stored before the engine typed its cancel: the cut step was a `step_failed`. The
    // bake's outcome (typed) says it was stopped on purpose, not the error's words.
    if (
      this.outcome === CANCELLED &&
      name !== CLEANUP_STEP &&
      (record.error !== null || record.interrupted)
    ) {
      return { kind: "cancelled", startedAt: record.startedAt, durationMs: record.durationMs };
    }
    if (record.error !== null || record.interrupted) {
      const error =
        record.error ??
        (this.outcome === CANCELLED || this.steps.has(CLEANUP_STEP)
          ? "Cancelled before it finished."
          : (this.error ?? "The bake ended before this step finished."));
      return {
        kind: "failed",
        startedAt: record.startedAt,
        durationMs: record.durationMs,
        error,
        hint: record.error === null ? "" : STEP_HINTS[STEP_NAMES[index]],
      };
    }
    return { kind: "done", startedAt: record.startedAt, durationMs: record.durationMs };
  }

  /** The current view; the same object until the next batch with something new. */
  view(): BakeView {
    if (this.cached !== null) return this.cached;
    const steps: StepView[] = [];
    let laterStarted = false;
    const started = STEP_NAMES.map((name) => this.steps.get(name)?.startedAt != null);
    for (let index = STEP_NAMES.length - 1; index >= 0; index -= 1) {
      const name = STEP_NAMES[index];
      const record = this.steps.get(name);
      steps.unshift({
        name,
        title: STEP_TITLES[name],
        state: this.stepState(name, index, laterStarted),
        waiting: record?.waiting ?? null,
        notes: record?.notes.slice() ?? [],
      });
      if (started[index]) laterStarted = true;
    }
    const failed = steps.find((step) => step.state.kind === "failed" && step.state.hint !== "");
    let running: StepView | undefined;
    for (const step of steps) if (step.state.kind === "running") running = step;
    this.cached = {
      bakeId: this.bakeId,
      build: this.build,
      region: this.region,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      steps,
      resources: [...this.resources.values()].map((resource) => ({ ...resource })),
      groups: this.groups.map((group) => ({ ...group })),
      artifacts: this.artifacts.slice(),
      outcome: this.outcome,
      error: this.error,
      durationMs: this.durationMs,
      notes: this.notes.slice(),
      manifest: this.manifest,
      manifestPath: this.manifestPath,
      lineCount: this.log.length,
      openStep: failed?.name ?? running?.name ?? null,
      nextSeq: this.nextSeq,
    };
    return this.cached;
  }
}

/** Resources the bake made and did not delete: what an aborted bake keeps. */
export function keptResources(view: BakeView): ResourceView[] {
  return view.resources.filter((resource) => resource.state !== "deleted");
}
