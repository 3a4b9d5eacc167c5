import { render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { BakesBackend } from "./backend";
import BakePage from "./BakePage.svelte";
import { ManualClock } from "./clock";
import { T0, stamp, started } from "./testEvents";
import type { BakeSummary, StampedEvent } from "./types";

const summary: BakeSummary = {
  id: "b-1",
  template_path: "/work/base.json",
  build: "amazon-ebs",
  profile: null,
  region: "eu-west-1",
  status: "running",
  started_at: new Date(T0).toISOString(),
  finished_at: null,
  sandbox: true,
};

/** A bake running its provisioners since T0 + 3 s, and the history's usual step times. */
function backend(expected: boolean): BakesBackend {
  const events: StampedEvent[] = stamp([
    started,
    { type: "step_started", step: "preflight" },
    { type: "step_finished", step: "preflight", duration_ms: 1000 },
    { type: "step_started", step: "provision" },
  ]);
  const unused = () => Promise.reject(new Error("not in this test"));
  return {
    listBakes: unused,
    prepareBake: unused,
    startBake: unused,
    attachBake: (_id, onBatch) => {
      onBatch(events);
      return Promise.resolve(() => {});
    },
    cancelBake: unused,
    cleanupBake: unused,
    listUnfinished: unused,
    pickTemplate: unused,
    saveManifest: unused,
    expectedSteps: expected
      ? (path, region) => {
          expect([path, region]).toEqual(["/work/base.json", "eu-west-1"]);
          return Promise.resolve({
            bakes: 3,
            steps: { preflight: 1000, provision: 60_000, stop: 20_000, cleanup: 10_000 },
          });
        }
      : undefined,
  };
}

describe("bake page estimates", () => {
  it("shows what is left by the usual step times, and each step's usual time", async () => {
    // 10 s into provisioning (started at T0 + 3 s).
    const clock = new ManualClock(T0 + 13_000);
    render(BakePage, { bakeId: "b-1", summary, backend: backend(true), clock, onback: () => {} });
    // Provision: 50 s of its usual 60 s left; stop 20 s, cleanup 10 s: 1 min 20 s.
    await waitFor(() => expect(screen.getByTestId("bake-eta")).toHaveTextContent("~1 min 20 s"));
    expect(screen.getByTestId("step-provision-duration")).toHaveTextContent(
      "10.0 s of ~1 min 00 s",
    );
    expect(screen.getByTestId("step-stop-duration")).toHaveTextContent("~20.0 s");
    clock.advance(30_000);
    await waitFor(() => expect(screen.getByTestId("bake-eta")).toHaveTextContent("~50.0 s"));
  });

  it("shows no estimate without a history", async () => {
    const clock = new ManualClock(T0 + 13_000);
    render(BakePage, { bakeId: "b-1", summary, backend: backend(false), clock, onback: () => {} });
    await waitFor(() =>
      expect(screen.getByTestId("step-provision-duration")).toHaveTextContent("10.0 s"),
    );
    expect(screen.queryByTestId("bake-eta")).toBeNull();
    expect(screen.getByTestId("step-stop-duration")).toHaveTextContent("");
  });
});
