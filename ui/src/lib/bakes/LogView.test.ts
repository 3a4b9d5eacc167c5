import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { flushSync } from "svelte";
import { describe, expect, it, vi } from "vitest";
import type { ProvisionerGroup } from "./bakeState";
import { LogBuffer, ROW_HEIGHT, type LogLineInput } from "./logBuffer";
import LogView from "./LogView.svelte";

function batch(from: number, count: number): LogLineInput[] {
  return Array.from({ length: count }, (_, k) => ({
    stream: "stdout" as const,
    line: `line ${from + k}`,
    group: 0,
  }));
}

const group: ProvisionerGroup = {
  index: 0,
  kind: "shell",
  title: "shell: inline (3 lines)",
  firstLine: 0,
  lastLine: -1,
  startedAt: 0,
  durationMs: 4200,
  error: null,
  running: false,
};

function shownLines(): number[] {
  return screen.getAllByTestId("log-line").map((row) => Number(row.dataset.line));
}

describe("log view", () => {
  it("keeps only the visible rows in the DOM while a million lines arrive, following the tail", () => {
    const log = new LogBuffer();
    render(LogView, { log, groups: [group], fallbackHeight: 400, overscan: 4 });
    const visible = 400 / ROW_HEIGHT;
    for (let from = 0; from < 1_000_000; from += 10_000) {
      log.append(batch(from, 10_000));
      flushSync();
      const rows = screen.getAllByTestId("log-line");
      expect(rows.length).toBeLessThanOrEqual(visible + 1 + 4);
    }
    const lines = shownLines();
    expect(lines.at(-1)).toBe(999_999);
    expect(screen.getByTestId("log-line-count")).toHaveTextContent("1,000,000 lines");
    expect(screen.queryByTestId("log-jump-end")).toBeNull();
  }, 60_000); // a million lines take seconds on a loaded machine: the test is about the DOM, not the time

  it("lets go of the tail when the user scrolls up, and does not re-render the rows shown", async () => {
    const log = new LogBuffer();
    log.append(batch(0, 1000));
    render(LogView, { log, fallbackHeight: 400, overscan: 2 });
    const viewport = screen.getByTestId("log-viewport");
    expect(shownLines().at(-1)).toBe(999);

    await fireEvent.wheel(viewport, { deltaY: -2000 });
    const before = screen.getAllByTestId("log-line");
    const first = Number(before[0].dataset.line);
    expect(first).toBeLessThan(900);
    expect(screen.getByTestId("log-jump-end")).toBeInTheDocument();

    for (let from = 1000; from < 101_000; from += 10_000) {
      log.append(batch(from, 10_000));
      flushSync();
    }
    const after = screen.getAllByTestId("log-line");
    expect(after.length).toBe(before.length);
    // The same elements: nothing outside (or inside) the viewport was rendered again.
    after.forEach((row, k) => expect(row).toBe(before[k]));

    await fireEvent.click(screen.getByTestId("log-jump-end"));
    expect(shownLines().at(-1)).toBe(100_999);
    expect(screen.queryByTestId("log-jump-end")).toBeNull();
  });

  it("shows the lines at the scrollbar's position, scaled over a million lines", async () => {
    const log = new LogBuffer();
    for (let from = 0; from < 1_000_000; from += 100_000) log.append(batch(from, 100_000));
    render(LogView, { log, fallbackHeight: 400, overscan: 0 });
    flushSync();
    const bar = screen.getByTestId("log-scrollbar");
    // The scrollbar's content is capped (the webview's tallest element), so its middle is
    // the log's middle, not line 4,000,000 / 2 / 20.
    const spacer = bar.firstElementChild as HTMLElement;
    const height = Number.parseFloat(spacer.style.height);
    expect(height).toBeLessThan(1_000_000 * ROW_HEIGHT);
    bar.scrollTop = (height - 400) / 2;
    await fireEvent.scroll(bar);
    const lines = shownLines();
    expect(lines[0]).toBeGreaterThan(499_000);
    expect(lines[0]).toBeLessThan(501_000);
    expect(lines.at(-1)! - lines[0]).toBe(400 / ROW_HEIGHT - 1);
    expect(screen.getByTestId("log-jump-end")).toBeInTheDocument();
  });

  it("finds every hit, steps through them and highlights them", async () => {
    const user = userEvent.setup();
    const log = new LogBuffer();
    log.append(batch(0, 50_000));
    render(LogView, { log, fallbackHeight: 400 });

    await user.type(screen.getByTestId("log-search"), "line 4999");
    await waitFor(() =>
      expect(screen.getByTestId("log-search-count")).toHaveTextContent("1 of 11"),
    );
    // line 4999, 49990..49999
    expect(shownLines()).toContain(4999);
    const hit = screen.getAllByTestId("log-line").find((row) => row.dataset.line === "4999")!;
    expect(hit).toHaveClass("current");
    expect(hit.querySelector(".mark")).toHaveTextContent("line 4999");

    await user.keyboard("{Enter}");
    expect(screen.getByTestId("log-search-count")).toHaveTextContent("2 of 11");
    expect(shownLines()).toContain(49_990);
    await user.click(screen.getByTestId("log-search-prev"));
    await user.click(screen.getByTestId("log-search-prev"));
    expect(screen.getByTestId("log-search-count")).toHaveTextContent("11 of 11");

    // Lines that arrive later are searched too.
    log.append([{ stream: "stdout", line: "again line 4999", group: 0 }]);
    flushSync();
    expect(screen.getByTestId("log-search-count")).toHaveTextContent("11 of 12");
  });

  it("shows group headers with their duration and copies a line or a range", async () => {
    const user = userEvent.setup();
    const copy = vi.fn(() => Promise.resolve());
    const log = new LogBuffer();
    log.append([
      { stream: "stdout", line: "one", group: 0 },
      { stream: "stderr", line: "\u001b[31mtwo\u001b[0m", group: 0 },
      { stream: "stdout", line: "three", group: 0 },
    ]);
    render(LogView, { log, groups: [group], copy, fallbackHeight: 400 });
    expect(screen.getByTestId("log-group-0")).toHaveTextContent("shell: inline (3 lines)");
    expect(screen.getByTestId("log-group-0")).toHaveTextContent("4.2 s");
    const two = screen.getAllByTestId("log-line")[1];
    expect(two).toHaveClass("stderr");
    expect(two.querySelector(".fg-ansi-red")).toHaveTextContent("two");
    expect(two.innerHTML).not.toContain("\u001b");

    const numbers = screen.getAllByTestId("log-line-number");
    await user.click(numbers[0]);
    expect(copy).toHaveBeenLastCalledWith("one");
    await user.keyboard("{Shift>}");
    await user.click(numbers[2]);
    await user.keyboard("{/Shift}");
    expect(copy).toHaveBeenLastCalledWith("one\ntwo\nthree");
    expect(screen.getByTestId("log-copy-status")).toHaveTextContent("Copied lines 1–3.");
    expect(screen.getByRole("button", { name: /Copy line 2/ })).toBeInTheDocument();
  });
});
