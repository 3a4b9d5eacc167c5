import { describe, expect, it } from "vitest";
import {
  LogBuffer,
  LogRows,
  MAX_SPACER_PX,
  ROW_HEIGHT,
  markSpans,
  matchRanges,
  offsetCentring,
  offsetFromScrollTop,
  offsetRevealing,
  parseAnsi,
  plainText,
  rowWindow,
  scrollGeometry,
  scrollTopFromOffset,
  type LogLineInput,
} from "./logBuffer";

function batch(from: number, count: number, group = 0): LogLineInput[] {
  const lines: LogLineInput[] = [];
  for (let i = from; i < from + count; i += 1) {
    lines.push({
      stream: i % 10 === 0 ? "stderr" : "stdout",
      line: `Setting up libfoo${i} (1.2.${i % 13}) ...`,
      group,
    });
  }
  return lines;
}

describe("log buffer", () => {
  it("keeps each line's text, stream and group, and counts versions", () => {
    const log = new LogBuffer();
    const seen: number[] = [];
    const stop = log.subscribe((version) => seen.push(version));
    log.append([
      { stream: "stdout", line: "before any provisioner", group: -1 },
      { stream: "stderr", line: "\u001b[1;31mE: failed\u001b[0m", group: 0 },
    ]);
    log.append([]);
    log.append([{ stream: "stdout", line: "progress 10%\rprogress 100%", group: 1 }]);
    stop();
    log.append([{ stream: "stdout", line: "after", group: 1 }]);
    expect(log.length).toBe(4);
    expect(log.version).toBe(3);
    expect(seen).toEqual([1, 2]);
    expect(log.text(1)).toBe("E: failed");
    expect(log.stream(1)).toBe("stderr");
    expect(log.stream(0)).toBe("stdout");
    expect(log.group(0)).toBe(-1);
    expect(log.group(2)).toBe(1);
    expect(log.text(2)).toBe("progress 100%");
    expect(log.copyText(1, 2)).toBe("E: failed\nprogress 100%");
    expect(log.copyText(3, 0)).toBe("before any provisioner\nE: failed\nprogress 100%\nafter");
  });

  it("parses ANSI SGR into styled spans", () => {
    const spans = parseAnsi(
      "ok \u001b[1;32mPASS\u001b[0m \u001b[38;5;208mx\u001b[38;2;1;2;3my\u001b[0m \u001b[7;34mz\u001b[0m",
    );
    expect(spans.map((span) => span.text).join("")).toBe("ok PASS xy z");
    expect(spans[0]).toMatchObject({ text: "ok ", fg: null, bold: false });
    expect(spans[1]).toMatchObject({ text: "PASS", fg: "ansi-green", bold: true });
    const x = spans.find((span) => span.text === "x")!;
    expect(x).toMatchObject({ fg: null, fgRgb: "255, 135, 0" });
    const y = spans.find((span) => span.text === "y")!;
    expect(y).toMatchObject({ fgRgb: "1, 2, 3" });
    const z = spans.find((span) => span.text === "z")!;
    expect(z).toMatchObject({ bg: "ansi-blue", fg: "ansi-black" }); // reverse video
    expect(parseAnsi("plain")).toMatchObject([{ text: "plain", fg: null }]);
    expect(plainText("\u001b]0;title\u0007a\u001b[2Kb\u001b[0m")).toBe("ab");
    const log = new LogBuffer();
    log.append([{ stream: "stdout", line: "\u001b[33mwarn\u001b[0m: y", group: 0 }]);
    expect(log.spans(0)[0]).toMatchObject({ text: "warn", fg: "ansi-yellow" });
    expect(log.spans(0)).toBe(log.spans(0)); // parsed once
  });

  it("marks search hits inside styled spans", () => {
    expect(matchRanges("Foo foo FOO", "foo")).toEqual([
      [0, 3],
      [4, 7],
      [8, 11],
    ]);
    const marked = markSpans(parseAnsi("ab\u001b[31mcdef\u001b[0mgh"), "bCd");
    expect(marked.map((span) => [span.text, span.mark, span.fg])).toEqual([
      ["a", false, null],
      ["b", true, null],
      ["cd", true, "ansi-red"],
      ["ef", false, "ansi-red"],
      ["gh", false, null],
    ]);
    expect(markSpans(parseAnsi("abc"), "")).toMatchObject([{ text: "abc", mark: false }]);
  });

  it("search returns every hit, at a million lines", () => {
    const log = new LogBuffer();
    for (let from = 0; from < 1_000_000; from += 10_000) log.append(batch(from, 10_000));
    expect(log.length).toBe(1_000_000);

    const hits = log.search("LIBFOO12");
    // libfoo12, libfoo120..129, libfoo1200..1299, ... libfoo120000..129999
    expect(hits.length).toBe(1 + 10 + 100 + 1000 + 10_000);
    expect(hits[0]).toBe(12);
    expect(hits.at(-1)).toBe(129_999);
    expect(hits.every((line, k) => k === 0 || line > hits[k - 1])).toBe(true);

    // Searching the new lines only, as the view does when a batch arrives.
    log.append([{ stream: "stdout", line: "libfoo12 again", group: 0 }]);
    expect(log.search("libfoo12", 1_000_000)).toEqual([1_000_000]);
    expect(log.search("")).toEqual([]);
    expect(log.search("a.b")).toEqual([]); // the query is text, not a pattern
  });

  it("reads back every line, range and hit across its chunks as one string per line would", () => {
    // Three full chunks of 8,192 lines and an open one; empty lines, a line holding a newline,
    // hits at a chunk's first and last line, and text that would match across two lines.
    const expected: string[] = [];
    const log = new LogBuffer();
    let pending: LogLineInput[] = [];
    for (let i = 0; i < 3 * 8192 + 77; i += 1) {
      const text =
        i % 97 === 0
          ? ""
          : i % 8192 === 8191 || i % 8192 === 0
            ? `edge ${i} ab ab`
            : `line ${i} cd`;
      pending.push({ stream: "stdout", line: i === 5 ? "two\nrows" : text, group: 0 });
      expected.push(i === 5 ? "two rows" : text);
      if (pending.length === 1000 || i % 8192 === 8190) {
        log.append(pending);
        pending = [];
      }
    }
    log.append(pending);
    expect(log.length).toBe(expected.length);
    expected.forEach((text, i) => {
      if (log.text(i) !== text) expect([i, log.text(i)]).toEqual([i, text]);
    });
    expect(log.text(-1)).toBe("");
    expect(log.text(expected.length)).toBe("");
    for (const [from, to] of [
      [8190, 8194],
      [0, 3 * 8192 + 76],
      [16_383, 16_384],
      [3 * 8192 - 1, 3 * 8192 + 2],
    ]) {
      expect(log.copyText(from, to)).toBe(expected.slice(from, to + 1).join("\n"));
    }
    const naive = (query: string, from = 0): number[] =>
      expected.flatMap((text, i) =>
        i >= from && text.toLowerCase().includes(query.toLowerCase()) ? [i] : [],
      );
    for (const query of ["EDGE", "ab", "b\nl", "ab\nline", "line 1", "cd", " 8191 ", "rows"]) {
      expect(log.search(query)).toEqual(naive(query));
      expect(log.search(query, 8000)).toEqual(naive(query, 8000));
      expect(log.search(query, 3 * 8192 + 10)).toEqual(naive(query, 3 * 8192 + 10));
    }
    // A hit never spans two lines, though the chunk joins them with a newline.
    expect(log.search("ab\nline")).toEqual([]);
  });

  it("puts a provisioner group's header before its first line", () => {
    // Lines 0..1 before any provisioner, group 0 has lines 2..4, group 1 none, group 2 from 5.
    const rows = new LogRows(8, [2, 5, 5]);
    expect(rows.count).toBe(11);
    const shown = Array.from({ length: rows.count }, (_, row) => rows.at(row));
    expect(shown).toEqual([
      { kind: "line", line: 0 },
      { kind: "line", line: 1 },
      { kind: "header", group: 0 },
      { kind: "line", line: 2 },
      { kind: "line", line: 3 },
      { kind: "line", line: 4 },
      { kind: "header", group: 1 },
      { kind: "header", group: 2 },
      { kind: "line", line: 5 },
      { kind: "line", line: 6 },
      { kind: "line", line: 7 },
    ]);
    for (let line = 0; line < 8; line += 1) {
      expect(rows.at(rows.rowOfLine(line))).toEqual({ kind: "line", line });
    }
    expect(rows.groupOfRow(0)).toBe(-1);
    expect(rows.groupOfRow(4)).toBe(0);
    expect(rows.groupOfRow(9)).toBe(2);
  });

  it("windows the rows: only the visible ones plus a few", () => {
    const geometry = scrollGeometry(1000, ROW_HEIGHT, 400);
    expect(geometry.spacerPx).toBe(20_000);
    expect(geometry.maxOffset).toBe(19_600);
    expect(rowWindow(geometry, 1000, 0, 5)).toEqual({ first: 0, end: 25, top: 0 });
    // Scrolled by 10 rows and a half: rows 5.. are rendered, row 10 is cut at the top.
    expect(rowWindow(geometry, 1000, 210, 5)).toEqual({ first: 5, end: 36, top: -110 });
    expect(rowWindow(geometry, 1000, 1e9, 5)).toEqual({ first: 975, end: 1000, top: -100 });
    expect(rowWindow(scrollGeometry(3, ROW_HEIGHT, 400), 3, 0)).toEqual({
      first: 0,
      end: 3,
      top: 0,
    });
    expect(offsetRevealing(geometry, 0, 30)).toBe(31 * ROW_HEIGHT - 400);
    expect(offsetRevealing(geometry, 1000, 10)).toBe(200);
    expect(offsetRevealing(geometry, 1000, 60)).toBe(1000);
    expect(offsetCentring(geometry, 500)).toBe(500 * ROW_HEIGHT - 190);
    expect(offsetCentring(geometry, 0)).toBe(0);
  });

  it("scales the scroll position past the maximum element height at a million lines", () => {
    const rows = 1_000_000;
    const geometry = scrollGeometry(rows, ROW_HEIGHT, 600);
    expect(geometry.contentPx).toBe(20_000_000);
    expect(geometry.spacerPx).toBe(MAX_SPACER_PX);
    expect(geometry.spacerPx).toBeLessThan(16_000_000);

    // The top, the bottom and the middle of the scrollbar map to the same places in the log.
    expect(offsetFromScrollTop(geometry, 0)).toBe(0);
    expect(offsetFromScrollTop(geometry, geometry.maxScrollTop)).toBe(geometry.maxOffset);
    const bottom = rowWindow(geometry, rows, geometry.maxOffset, 0);
    expect(bottom.end).toBe(rows);
    expect(bottom.top + (bottom.end - bottom.first) * ROW_HEIGHT).toBe(600);
    const middle = rowWindow(
      geometry,
      rows,
      offsetFromScrollTop(geometry, geometry.maxScrollTop / 2),
      0,
    );
    expect(Math.abs(middle.first - (rows - 30) / 2)).toBeLessThanOrEqual(1);

    // Every line can be reached: scrollTop ↔ offset round-trips within one row.
    for (const line of [1, 12_345, 499_999, 999_970]) {
      const offset = line * ROW_HEIGHT;
      const scrollTop = scrollTopFromOffset(geometry, offset);
      expect(scrollTop).toBeLessThanOrEqual(geometry.maxScrollTop);
      expect(Math.abs(offsetFromScrollTop(geometry, scrollTop) - offset)).toBeLessThan(1e-6);
    }
    // A window never holds more rows than fit plus the overscan.
    const window = rowWindow(geometry, rows, 7_654_321, 8);
    expect(window.end - window.first).toBeLessThanOrEqual(600 / ROW_HEIGHT + 1 + 16);
  });
});
