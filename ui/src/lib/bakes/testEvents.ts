// Builds stamped event streams for the Bakes view's tests (not shipped code paths).

import type { BakeEvent, StampedEvent } from "./types";

export const T0 = Date.parse("2026-12-02T21:00:00.000Z");

/** Stamps events from seq `from` on, `at` one second apart unless an event says `afterMs`. */
export function stamp(
  events: readonly (BakeEvent & { afterMs?: number })[],
  from = 0,
  start = T0 + from * 1000,
): StampedEvent[] {
  let at = start;
  return events.map((event, offset) => {
    const { afterMs, ...rest } = event;
    at += afterMs ?? (offset === 0 ? 0 : 1000);
    return { ...rest, seq: from + offset, at: new Date(at).toISOString() } as StampedEvent;
  });
}

export const started: BakeEvent = {
  type: "bake_started",
  bake_id: "b-1",
  build: "amazon-ebs.ubuntu",
  region: "eu-west-1",
};

/** A bake that succeeds: every step, a provisioner printing three lines, an AMI. */
export function successEvents(): StampedEvent[] {
  return stamp([
    started,
    { type: "step_started", step: "preflight" },
    { type: "step_finished", step: "preflight", duration_ms: 1000 },
    { type: "step_started", step: "key_pair" },
    { type: "resource_created", kind: "key_pair", id: "bakery-b-1", region: "eu-west-1" },
    { type: "step_finished", step: "key_pair", duration_ms: 1000 },
    { type: "step_started", step: "launch" },
    { type: "resource_created", kind: "instance", id: "i-0abc", region: "eu-west-1" },
    { type: "waiting", what: "instance i-0abc", state: "pending", attempt: 2 },
    { type: "step_finished", step: "launch", duration_ms: 2000 },
    { type: "step_started", step: "provision" },
    { type: "provisioner_started", index: 0, kind: "shell", title: "shell: inline (3 lines)" },
    { type: "output", stream: "stdout", line: "hello" },
    { type: "output", stream: "stderr", line: "\u001b[31mwarn\u001b[0m" },
    { type: "output", stream: "stdout", line: "done" },
    { type: "provisioner_finished", index: 0, duration_ms: 4000, error: null },
    { type: "step_finished", step: "provision", duration_ms: 6000 },
    { type: "step_started", step: "create_image" },
    { type: "artifact", region: "eu-west-1", image_id: "ami-0123" },
    { type: "step_finished", step: "create_image", duration_ms: 1000 },
    { type: "step_started", step: "cleanup" },
    { type: "resource_deleted", kind: "instance", id: "i-0abc", region: "eu-west-1" },
    { type: "resource_deleted", kind: "key_pair", id: "bakery-b-1", region: "eu-west-1" },
    { type: "step_finished", step: "cleanup", duration_ms: 2000 },
    { type: "bake_finished", outcome: "succeeded", duration_ms: 24000, error: null },
  ]);
}
