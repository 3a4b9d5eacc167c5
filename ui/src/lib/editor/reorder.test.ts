import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import ProvisionerList from "./ProvisionerList.svelte";
import { DRAG_THRESHOLD, dropGap, edgeScroll, moveTarget, pastThreshold } from "./reorder";
import type { Change, FormProvisioner } from "./types";

/** What the edit engine does with `{ op: "move", path: "…[from]", to }`. */
function applyMove<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item);
  return out;
}

/** The list with item `from` put in gap `gap` (taken out of its place). */
function putInGap<T>(list: readonly T[], from: number, gap: number): T[] {
  const out: T[] = [];
  list.forEach((item, k) => {
    if (k === gap) out.push(list[from]);
    if (k !== from) out.push(item);
  });
  if (gap === list.length) out.push(list[from]);
  return out;
}

// Three items 40px high, 6px apart: 0–40, 46–86, 92–132.
const MIDS = [20, 66, 112];

describe("reorder arithmetic", () => {
  it("starts a drag only once the pointer has moved 4px", () => {
    expect(DRAG_THRESHOLD).toBe(4);
    expect(pastThreshold(0, 0)).toBe(false);
    expect(pastThreshold(0, 3)).toBe(false);
    expect(pastThreshold(2, 3)).toBe(false);
    expect(pastThreshold(0, 4)).toBe(true);
    expect(pastThreshold(0, -4)).toBe(true);
    expect(pastThreshold(3, 3)).toBe(true);
  });

  it("finds the gap from the pointer against the midpoints", () => {
    // Dragging the last item: every gap but the two beside it is a real drop.
    expect(dropGap(MIDS, -50, 2)).toBe(0);
    expect(dropGap(MIDS, 19, 2)).toBe(0);
    expect(dropGap(MIDS, 20, 2)).toBe(0); // on a midpoint counts as above it
    expect(dropGap(MIDS, 21, 2)).toBe(1);
    expect(dropGap(MIDS, 66, 2)).toBe(1);
    // Dragging the first item.
    expect(dropGap(MIDS, 67, 0)).toBe(2);
    expect(dropGap(MIDS, 113, 0)).toBe(3);
    expect(dropGap(MIDS, 500, 0)).toBe(3);
  });

  it("drops to the first place", () => {
    expect(dropGap(MIDS, 5, 2)).toBe(0);
    expect(moveTarget(2, 0)).toBe(0);
    expect(moveTarget(1, 0)).toBe(0);
  });

  it("drops to the last place", () => {
    expect(dropGap(MIDS, 130, 0)).toBe(3);
    expect(moveTarget(0, 3)).toBe(2);
    expect(moveTarget(1, 3)).toBe(2);
  });

  it("does nothing when dropped where it is", () => {
    // Over its own upper or lower half, or over the neighbours' near halves.
    expect(dropGap(MIDS, 50, 1)).toBeNull();
    expect(dropGap(MIDS, 80, 1)).toBeNull();
    expect(dropGap(MIDS, 30, 1)).toBeNull();
    expect(dropGap(MIDS, 100, 1)).toBeNull();
    expect(dropGap(MIDS, 0, 0)).toBeNull();
    expect(dropGap(MIDS, 500, 2)).toBeNull();
    expect(dropGap([20], 0, 0)).toBeNull();
    expect(dropGap([20], 40, 0)).toBeNull();
    for (let from = 0; from < 5; from++) {
      expect(moveTarget(from, from)).toBeNull();
      expect(moveTarget(from, from + 1)).toBeNull();
    }
  });

  it("moves up to the gap's index", () => {
    expect(dropGap(MIDS, 30, 2)).toBe(1);
    expect(moveTarget(2, 1)).toBe(1);
    expect(applyMove(["a", "b", "c"], 2, 1)).toEqual(["a", "c", "b"]);
    expect(moveTarget(3, 1)).toBe(1);
  });

  it("moves down to one less than the gap's index (the item leaves its place first)", () => {
    expect(dropGap(MIDS, 100, 0)).toBe(2);
    expect(moveTarget(0, 2)).toBe(1);
    expect(applyMove(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(moveTarget(1, 4)).toBe(3);
  });

  it("lands every item in every gap, as the edit engine moves it", () => {
    for (let n = 1; n <= 6; n++) {
      const list = Array.from({ length: n }, (_, k) => k);
      for (let from = 0; from < n; from++) {
        for (let gap = 0; gap <= n; gap++) {
          const to = moveTarget(from, gap);
          const wanted = putInGap(list, from, gap);
          if (to === null) {
            expect(wanted).toEqual(list);
          } else {
            expect(to).toBeGreaterThanOrEqual(0);
            expect(to).toBeLessThan(n);
            expect(to).not.toBe(from);
            expect(applyMove(list, from, to)).toEqual(wanted);
          }
        }
      }
    }
  });

  it("scrolls near the edges only, faster closer to them", () => {
    expect(edgeScroll(300, 100, 500)).toBe(0);
    expect(edgeScroll(132, 100, 500)).toBe(0);
    expect(edgeScroll(100, 100, 500)).toBe(-14);
    expect(edgeScroll(50, 100, 500)).toBe(-14);
    expect(edgeScroll(116, 100, 500)).toBe(-7);
    expect(edgeScroll(468, 100, 500)).toBe(0);
    expect(edgeScroll(500, 100, 500)).toBe(14);
    expect(edgeScroll(900, 100, 500)).toBe(14);
    expect(edgeScroll(484, 100, 500)).toBe(7);
    // A short box keeps a still middle.
    expect(edgeScroll(120, 100, 140)).toBe(0);
    expect(edgeScroll(100, 100, 100)).toBe(0);
  });
});

function provisioner(k: number, type: string): FormProvisioner {
  return {
    type,
    file: "web.pkr.json",
    prefix: `provisioners[${k}]`,
    values: { inline: { kind: "literal", value: [`echo ${k}`] } },
    readOnly: null,
  };
}

const ITEM = { height: 40, gap: 6 };

function setup() {
  const onchange = vi.fn<(file: string, changes: Change[]) => void>();
  render(ProvisionerList, {
    provisioners: [provisioner(0, "shell"), provisioner(1, "file"), provisioner(2, "shell-local")],
    listPath: "provisioners",
    file: "web.pkr.json",
    problems: [],
    onchange,
  });
  for (let k = 0; k < 3; k++) {
    const top = k * (ITEM.height + ITEM.gap);
    const rect = new DOMRect(0, top, 300, ITEM.height);
    screen.getByTestId(`provisioner-${k}`).getBoundingClientRect = () => rect;
  }
  return onchange;
}

const PRESS = { pointerId: 1, isPrimary: true, button: 0, clientX: 10 };

async function press(k: number, clientY: number): Promise<void> {
  await fireEvent.pointerDown(screen.getByTestId(`provisioner-${k}-handle`), { ...PRESS, clientY });
}
async function moveTo(clientY: number): Promise<void> {
  await fireEvent.pointerMove(window, { ...PRESS, clientY });
}
async function release(clientY: number): Promise<void> {
  await fireEvent.pointerUp(window, { ...PRESS, clientY });
}

describe("provisioner list drag", () => {
  it("has a labelled grip handle on each item", () => {
    setup();
    const handle = screen.getByTestId("provisioner-1-handle");
    expect(handle).toHaveAccessibleName("Drag provisioner 2 to reorder");
    expect(screen.getByLabelText("Drag provisioner 3 to reorder")).toBe(
      screen.getByTestId("provisioner-2-handle"),
    );
  });

  it("moves the first item below the last, showing where it lands", async () => {
    const onchange = setup();
    await press(0, 20);
    await moveTo(110);
    expect(screen.getByTestId("provisioner-0")).toHaveClass("dragging");
    expect(document.body).toHaveClass("provisioner-dragging");
    // Above the last item's midpoint: the gap between items 1 and 2.
    let line = screen.getByTestId("provisioner-drop-indicator");
    expect(screen.getByTestId("provisioner-2")).toContainElement(line);
    expect(line).not.toHaveClass("after");
    await moveTo(120);
    line = screen.getByTestId("provisioner-drop-indicator");
    expect(screen.getByTestId("provisioner-2")).toContainElement(line);
    expect(line).toHaveClass("after");
    await release(120);
    expect(onchange).toHaveBeenCalledTimes(1);
    expect(onchange).toHaveBeenCalledWith("web.pkr.json", [
      { op: "move", path: "provisioners[0]", to: 2 },
    ]);
    expect(screen.queryByTestId("provisioner-drop-indicator")).toBeNull();
    expect(screen.getByTestId("provisioner-0")).not.toHaveClass("dragging");
    expect(document.body).not.toHaveClass("provisioner-dragging");
  });

  it("moves an item up to the first place", async () => {
    const onchange = setup();
    await press(2, 112);
    await moveTo(5);
    expect(screen.getByTestId("provisioner-0")).toContainElement(
      screen.getByTestId("provisioner-drop-indicator"),
    );
    await release(5);
    expect(onchange).toHaveBeenCalledWith("web.pkr.json", [
      { op: "move", path: "provisioners[2]", to: 0 },
    ]);
  });

  it("moves an item down by one", async () => {
    const onchange = setup();
    await press(0, 20);
    await moveTo(100);
    await release(100);
    expect(onchange).toHaveBeenCalledWith("web.pkr.json", [
      { op: "move", path: "provisioners[0]", to: 1 },
    ]);
  });

  it("does nothing when dropped where it was", async () => {
    const onchange = setup();
    await press(1, 66);
    await moveTo(80);
    expect(screen.getByTestId("provisioner-1")).toHaveClass("dragging");
    expect(screen.queryByTestId("provisioner-drop-indicator")).toBeNull();
    await release(80);
    expect(onchange).not.toHaveBeenCalled();
  });

  it("does not drag before the pointer has moved 4px", async () => {
    const onchange = setup();
    await press(0, 20);
    await moveTo(23);
    expect(screen.getByTestId("provisioner-0")).not.toHaveClass("dragging");
    expect(document.body).not.toHaveClass("provisioner-dragging");
    // Released far away without a move past the threshold: a click, not a drop.
    await release(120);
    expect(onchange).not.toHaveBeenCalled();
  });

  it("cancels on Escape and on pointercancel", async () => {
    const onchange = setup();
    await press(0, 20);
    await moveTo(120);
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("provisioner-drop-indicator")).toBeNull();
    expect(document.body).not.toHaveClass("provisioner-dragging");
    await release(120);
    expect(onchange).not.toHaveBeenCalled();

    await press(0, 20);
    await moveTo(120);
    await fireEvent.pointerCancel(window, { ...PRESS, clientY: 120 });
    await release(120);
    expect(onchange).not.toHaveBeenCalled();
    expect(document.body).not.toHaveClass("provisioner-dragging");
  });

  it("keeps the buttons and Alt+Arrow", async () => {
    const onchange = setup();
    await fireEvent.click(screen.getByLabelText("Move provisioner 2 up"));
    expect(onchange).toHaveBeenLastCalledWith("web.pkr.json", [
      { op: "move", path: "provisioners[1]", to: 0 },
    ]);
    await fireEvent.keyDown(screen.getByTestId("provisioner-1"), {
      key: "ArrowDown",
      altKey: true,
    });
    expect(onchange).toHaveBeenLastCalledWith("web.pkr.json", [
      { op: "move", path: "provisioners[1]", to: 2 },
    ]);
  });
});
