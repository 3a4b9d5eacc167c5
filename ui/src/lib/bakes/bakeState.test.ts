import { describe, expect, it } from "vitest";
import {
  BakeTracker,
  elapsedMs,
  keptResources,
  manifestText,
  type StepStateKind,
} from "./bakeState";
import { T0, stamp, started, successEvents } from "./testEvents";
import type { StepName } from "./types";

function states(tracker: BakeTracker): Partial<Record<StepName, StepStateKind>> {
  return Object.fromEntries(tracker.view().steps.map((step) => [step.name, step.state.kind]));
}

describe("bake state", () => {
  it("starts with every step waiting, cleanup included", () => {
    const tracker = new BakeTracker();
    const view = tracker.view();
    expect(view.steps.map((step) => step.name)).toEqual([
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
    ]);
    expect(view.steps.every((step) => step.state.kind === "waiting")).toBe(true);
    expect(view.steps[0].title).toBe("Preflight checks");
    expect(view.openStep).toBeNull();
  });

  it("follows a successful bake step by step", () => {
    const tracker = new BakeTracker();
    const events = successEvents();
    tracker.apply(events.slice(0, 9));
    let view = tracker.view();
    expect(view.bakeId).toBe("b-1");
    expect(view.build).toBe("amazon-ebs.ubuntu");
    expect(states(tracker)).toMatchObject({
      preflight: "done",
      source_image: "skipped", // a later step started: the engine did not need it
      key_pair: "done",
      launch: "running",
      connect: "waiting",
      cleanup: "waiting",
    });
    const launch = view.steps.find((step) => step.name === "launch")!;
    expect(launch.state).toEqual({ kind: "running", startedAt: T0 + 6000 });
    expect(launch.waiting).toEqual({ what: "instance i-0abc", state: "pending", attempt: 2 });
    expect(view.openStep).toBe("launch");
    expect(view.resources).toEqual([
      { kind: "key_pair", id: "bakery-b-1", region: "eu-west-1", state: "created", reason: null },
      { kind: "instance", id: "i-0abc", region: "eu-west-1", state: "created", reason: null },
    ]);

    tracker.apply(events.slice(9));
    view = tracker.view();
    expect(view.outcome).toBe("succeeded");
    expect(view.durationMs).toBe(24000);
    expect(states(tracker)).toMatchObject({
      preflight: "done",
      launch: "done",
      connect: "skipped",
      provision: "done",
      create_image: "done",
      copy_image: "skipped",
      cleanup: "done",
    });
    expect(view.steps.find((step) => step.name === "provision")!.state).toEqual({
      kind: "done",
      startedAt: T0 + 10000,
      durationMs: 6000,
    });
    expect(view.resources.map((resource) => resource.state)).toEqual(["deleted", "deleted"]);
    expect(view.artifacts).toEqual([{ region: "eu-west-1", imageId: "ami-0123" }]);
    expect(view.openStep).toBeNull();
    expect(view.groups).toEqual([
      {
        index: 0,
        kind: "shell",
        title: "shell: inline (3 lines)",
        firstLine: 0,
        lastLine: 2,
        startedAt: T0 + 11000,
        durationMs: 4000,
        error: null,
        running: false,
      },
    ]);
    expect(view.lineCount).toBe(3);
    expect(tracker.log.text(1)).toBe("warn");
    expect(tracker.log.stream(1)).toBe("stderr");
    expect(tracker.log.group(2)).toBe(0);
    expect(keptResources(view)).toEqual([]);
  });

  it("opens a failed step with its error and what to do, then shows the cleanup", () => {
    const tracker = new BakeTracker();
    tracker.apply(
      stamp([
        started,
        { type: "step_started", step: "preflight" },
        { type: "step_finished", step: "preflight", duration_ms: 500 },
        { type: "step_started", step: "launch" },
        { type: "resource_created", kind: "instance", id: "i-1", region: "eu-west-1" },
        { type: "step_finished", step: "launch", duration_ms: 900 },
        { type: "step_started", step: "provision" },
        { type: "provisioner_started", index: 0, kind: "shell", title: "shell: script" },
        { type: "output", stream: "stderr", line: "apt: not found" },
        { type: "provisioner_finished", index: 0, duration_ms: 700, error: "exit status 127" },
        {
          type: "step_failed",
          step: "provision",
          duration_ms: 1500,
          error: "shell: script exited with 127",
        },
        { type: "step_started", step: "cleanup" },
      ]),
    );
    let view = tracker.view();
    expect(states(tracker)).toMatchObject({
      provision: "failed",
      stop: "skipped",
      manifest: "skipped",
      cleanup: "running",
    });
    const provision = view.steps.find((step) => step.name === "provision")!;
    expect(provision.state).toMatchObject({
      kind: "failed",
      durationMs: 1500,
      error: "shell: script exited with 127",
    });
    expect(provision.state.kind === "failed" && provision.state.hint).toMatch(/log/);
    // The failed step stays the open one while the cleanup runs.
    expect(view.openStep).toBe("provision");
    expect(view.groups[0]).toMatchObject({ error: "exit status 127", durationMs: 700 });

    tracker.apply(
      stamp(
        [
          { type: "resource_deleted", kind: "instance", id: "i-1", region: "eu-west-1" },
          { type: "step_finished", step: "cleanup", duration_ms: 800 },
          {
            type: "bake_finished",
            outcome: "failed",
            duration_ms: 9000,
            error: "shell: script exited with 127",
          },
        ],
        12,
      ),
    );
    view = tracker.view();
    expect(view.outcome).toBe("failed");
    expect(view.error).toBe("shell: script exited with 127");
    expect(states(tracker)).toMatchObject({ provision: "failed", cleanup: "done" });
    expect(view.openStep).toBe("provision");
  });

  it("shows a cancel: the cut step, the cleanup steps, and what was deleted", () => {
    const tracker = new BakeTracker();
    tracker.apply(
      stamp([
        started,
        { type: "step_started", step: "key_pair" },
        { type: "resource_created", kind: "key_pair", id: "k-1", region: "eu-west-1" },
        { type: "step_finished", step: "key_pair", duration_ms: 300 },
        { type: "step_started", step: "security_group" },
        { type: "resource_created", kind: "security_group", id: "sg-1", region: "eu-west-1" },
        { type: "step_finished", step: "security_group", duration_ms: 300 },
        { type: "step_started", step: "provision" },
        { type: "provisioner_started", index: 0, kind: "shell", title: "shell: inline" },
        { type: "output", stream: "stdout", line: "sleeping" },
        // cancel: the engine reports the cut step, then cleans up
        {
          type: "step_failed",
          step: "provision",
          duration_ms: 3000,
          error: "cancelled during “Run provisioners”",
        },
        { type: "step_started", step: "cleanup" },
        { type: "resource_deleted", kind: "security_group", id: "sg-1", region: "eu-west-1" },
        { type: "resource_left", kind: "key_pair", id: "k-1", region: "eu-west-1", reason: "403" },
        { type: "step_finished", step: "cleanup", duration_ms: 1200 },
        { type: "bake_finished", outcome: "cancelled", duration_ms: 14000, error: "cancelled" },
      ]),
    );
    const view = tracker.view();
    expect(view.outcome).toBe("cancelled");
    expect(states(tracker)).toMatchObject({
      key_pair: "done",
      security_group: "done",
      provision: "cancelled",
      stop: "skipped",
      cleanup: "done",
    });
    const provision = view.steps.find((step) => step.name === "provision")!;
    expect(provision.state).toMatchObject({ kind: "cancelled", durationMs: 3000 });
    expect(view.groups[0]).toMatchObject({ running: false, durationMs: 3000 });
    expect(view.resources).toEqual([
      { kind: "key_pair", id: "k-1", region: "eu-west-1", state: "left", reason: "403" },
      { kind: "security_group", id: "sg-1", region: "eu-west-1", state: "deleted", reason: null },
    ]);
    expect(keptResources(view).map((resource) => resource.id)).toEqual(["k-1"]);
  });

  it("shows the step the engine reports cancelled as Cancelled, before the bake has ended", () => {
    const tracker = new BakeTracker();
    tracker.apply(
      stamp([
        started,
        { type: "step_started", step: "connect" },
        { type: "step_finished", step: "connect", duration_ms: 500 },
        { type: "step_started", step: "provision" },
        { type: "step_cancelled", step: "provision", duration_ms: 2500 },
        { type: "step_started", step: "cleanup" },
      ]),
    );
    let view = tracker.view();
    expect(view.outcome).toBeNull();
    expect(states(tracker)).toMatchObject({
      connect: "done",
      provision: "cancelled",
      cleanup: "running",
    });
    const provision = view.steps.find((step) => step.name === "provision")!;
    expect(provision.state).toMatchObject({ kind: "cancelled", durationMs: 2500 });
    expect(view.openStep).toBe("cleanup");

    tracker.apply(
      stamp(
        [
          { type: "step_finished", step: "cleanup", duration_ms: 900 },
          { type: "bake_finished", outcome: "cancelled", duration_ms: 6000, error: "cancelled" },
        ],
        6,
      ),
    );
    view = tracker.view();
    expect(states(tracker)).toMatchObject({ provision: "cancelled", cleanup: "done" });
    expect(view.steps.some((step) => step.state.kind === "failed")).toBe(false);
  });

  it("keeps the manifest the engine reports once the images exist", () => {
    const tracker = new BakeTracker();
    const build = {
      name: "amazon-ebs.ubuntu",
      builder_type: "amazon-ebs",
      build_time: 1796245200,
      files: null,
      artifact_id: "eu-west-1:ami-0123,us-east-1:ami-0456",
      packer_run_uuid: "b-1",
      custom_data: { team: "platform" },
    };
    tracker.apply(
      stamp([
        started,
        { type: "step_started", step: "manifest" },
        { type: "manifest", build, path: "/work/manifest.json" },
        { type: "step_finished", step: "manifest", duration_ms: 10 },
      ]),
    );
    const view = tracker.view();
    expect(view.manifest).toEqual({ builds: [build], last_run_uuid: "b-1" });
    expect(view.manifestPath).toBe("/work/manifest.json");
    const text = manifestText(view.manifest!);
    expect(JSON.parse(text)).toEqual(view.manifest);
    expect(text).toContain('\n  "builds": [\n    {\n      "name": "amazon-ebs.ubuntu",');
    expect(new BakeTracker().view().manifest).toBeNull();
  });

  it("after an abort (keep the instance) the cleanup is skipped and the resources are kept", () => {
    const tracker = new BakeTracker();
    tracker.apply(
      stamp([
        started,
        { type: "step_started", step: "launch" },
        { type: "resource_created", kind: "instance", id: "i-9", region: "eu-west-1" },
        { type: "step_finished", step: "launch", duration_ms: 300 },
        { type: "step_started", step: "provision" },
        { type: "step_failed", step: "provision", duration_ms: 300, error: "exit 1" },
        { type: "bake_finished", outcome: "aborted", duration_ms: 3000, error: "exit 1" },
      ]),
    );
    const view = tracker.view();
    expect(states(tracker)).toMatchObject({ provision: "failed", cleanup: "skipped" });
    const cleanup = view.steps.find((step) => step.name === "cleanup")!;
    expect(cleanup.state).toEqual({
      kind: "skipped",
      reason: "Kept for debugging: nothing was cleaned up.",
    });
    expect(keptResources(view)).toEqual([
      { kind: "instance", id: "i-9", region: "eu-west-1", state: "created", reason: null },
    ]);
    expect(view.openStep).toBe("provision");
  });

  it("a replay followed by overlapping live batches applies each event once", () => {
    const events = successEvents();
    const once = new BakeTracker();
    once.apply(events);

    const twice = new BakeTracker();
    expect(twice.apply(events.slice(0, 15))).toBe(true); // the replay from the store
    expect(twice.apply(events.slice(10, 18))).toBe(true); // live, overlapping the replay
    expect(twice.apply(events.slice(12, 14))).toBe(false); // nothing new
    twice.apply([...events.slice(18)].reverse()); // a batch out of order
    twice.apply(events); // everything again

    expect(twice.view()).toEqual(once.view());
    expect(twice.log.length).toBe(3);
    expect(twice.view().nextSeq).toBe(events.length);
  });

  it("keeps the same view object until something new arrives", () => {
    const tracker = new BakeTracker();
    const events = successEvents();
    tracker.apply(events.slice(0, 3));
    const first = tracker.view();
    expect(tracker.view()).toBe(first);
    tracker.apply(events.slice(0, 3));
    expect(tracker.view()).toBe(first);
    tracker.apply(events.slice(3, 4));
    expect(tracker.view()).not.toBe(first);
  });

  it("elapsed time ticks while running and is the duration once done", () => {
    expect(elapsedMs(T0, null, T0 + 1500)).toBe(1500);
    expect(elapsedMs(T0, 700, T0 + 1500)).toBe(700);
    expect(elapsedMs(null, null, T0)).toBe(0);
  });
});
