// The bake log, kept outside Svelte's deep reactive state: plain arrays that grow by batches,
// a version number to react to, ANSI colours parsed into spans (rendered as text), search that
// returns every hit, and the windowing math of the log view (fixed-height rows, with its own
// scroll scaling past the webview's maximum element height).

import Anser from "anser";
import { STDERR, type LogStream } from "./types";

export interface LogLineInput {
  stream: LogStream;
  /** The line as printed; may carry ANSI SGR codes. */
  line: string;
  /** The provisioner group's position in the bake's groups, -1 before any provisioner. */
  group: number;
}

/** A run of text with one style; `fg`/`bg` are class names, `fgRgb`/`bgRgb` `r, g, b`. */
export interface Span {
  text: string;
  fg: string | null;
  bg: string | null;
  fgRgb: string | null;
  bgRgb: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
  /** Part of a search hit. */
  mark: boolean;
}

const ESC = "\u001b";
// CSI sequences (SGR and cursor moves), OSC sequences (titles, links) and two-byte escapes.
const ESCAPES =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;

/** What a terminal would show of a line that rewrites itself with carriage returns. */
function lastRewrite(line: string): string {
  const trimmed = line.endsWith("\r") ? line.replace(/\r+$/, "") : line;
  const at = trimmed.lastIndexOf("\r");
  return at < 0 ? trimmed : trimmed.slice(at + 1);
}

/** The text of a line without its escape sequences. */
export function plainText(line: string): string {
  const shown = line.includes("\r") ? lastRewrite(line) : line;
  return shown.includes(ESC) ? shown.replace(ESCAPES, "") : shown;
}

function plainSpan(text: string): Span {
  return {
    text,
    fg: null,
    bg: null,
    fgRgb: null,
    bgRgb: null,
    bold: false,
    dim: false,
    italic: false,
    underline: false,
    strike: false,
    mark: false,
  };
}

const BASIC = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

/** The rgb of an xterm 256-colour palette entry 16..255 (0..15 are the named classes). */
export function paletteRgb(index: number): string {
  if (index >= 232) {
    const level = 8 + (index - 232) * 10;
    return `${level}, ${level}, ${level}`;
  }
  const cube = index - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  const r = steps[Math.floor(cube / 36) % 6];
  const g = steps[Math.floor(cube / 6) % 6];
  const b = steps[cube % 6];
  return `${r}, ${g}, ${b}`;
}

function colour(
  name: string | null,
  truecolor: string | null,
): { cls: string | null; rgb: string | null } {
  if (name === null) return { cls: null, rgb: null };
  if (name === "ansi-truecolor") return { cls: null, rgb: truecolor };
  const palette = /^ansi-palette-(\d+)$/.exec(name);
  if (palette !== null) {
    const index = Number(palette[1]);
    if (index < 8) return { cls: `ansi-${BASIC[index]}`, rgb: null };
    if (index < 16) return { cls: `ansi-bright-${BASIC[index - 8]}`, rgb: null };
    return { cls: null, rgb: paletteRgb(index) };
  }
  return { cls: name, rgb: null };
}

/** A line's styled spans (ANSI SGR parsed by anser); their texts joined are `plainText(line)`. */
export function parseAnsi(line: string): Span[] {
  const shown = line.includes("\r") ? lastRewrite(line) : line;
  if (!shown.includes(ESC)) return [plainSpan(shown)];
  const entries = Anser.ansiToJson(shown, { use_classes: true, remove_empty: true });
  const spans: Span[] = [];
  for (const entry of entries) {
    if (entry.content === "") continue;
    // anser swaps the colours of reverse video itself.
    const fg = colour(entry.fg, entry.fg_truecolor);
    const bg = colour(entry.bg, entry.bg_truecolor);
    const decorations = entry.decorations ?? [];
    const hidden = decorations.includes("hidden");
    spans.push({
      text: hidden ? " ".repeat(entry.content.length) : entry.content,
      fg: fg.cls,
      bg: bg.cls,
      fgRgb: fg.rgb,
      bgRgb: bg.rgb,
      bold: decorations.includes("bold"),
      dim: decorations.includes("dim"),
      italic: decorations.includes("italic"),
      underline: decorations.includes("underline"),
      strike: decorations.includes("strikethrough"),
      mark: false,
    });
  }
  return spans.length > 0 ? spans : [plainSpan("")];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Where `query` occurs in `text`, case-insensitively: `[start, end)` pairs. */
export function matchRanges(text: string, query: string): [number, number][] {
  if (query === "") return [];
  const ranges: [number, number][] = [];
  const pattern = new RegExp(escapeRegExp(query), "gi");
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    ranges.push([match.index, match.index + match[0].length]);
    if (match[0].length === 0) pattern.lastIndex += 1;
  }
  return ranges;
}

/** Splits spans at the query's occurrences and marks them. */
export function markSpans(spans: readonly Span[], query: string): Span[] {
  const text = spans.map((span) => span.text).join("");
  const ranges = matchRanges(text, query);
  if (ranges.length === 0) return spans.slice();
  const out: Span[] = [];
  let offset = 0;
  let r = 0;
  for (const span of spans) {
    const end = offset + span.text.length;
    let at = offset;
    while (at < end) {
      while (r < ranges.length && ranges[r][1] <= at) r += 1;
      const range = ranges[r];
      let stop: number;
      let mark: boolean;
      if (range === undefined || range[0] >= end) {
        stop = end;
        mark = false;
      } else if (range[0] > at) {
        stop = range[0];
        mark = false;
      } else {
        stop = Math.min(range[1], end);
        mark = true;
      }
      out.push({ ...span, text: span.text.slice(at - offset, stop - offset), mark });
      at = stop;
    }
    offset = end;
  }
  return out;
}

const STREAM_CODES: Record<LogStream, number> = { stdout: 0, stderr: 1 };

/** A growable Int32 column. */
class Column {
  private data = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length] = value;
    this.length += 1;
  }

  at(index: number): number {
    return this.data[index];
  }
}

export type LogListener = (version: number) => void;

/** A chunk takes appended lines until it holds this many; then a new one starts. */
const CHUNK_LINES = 8192;

/**
 * The log lines of one bake. Not reactive itself: read `version` (or `subscribe`) to know
 * when it grew. Line `i` knows its stream and provisioner group.
 *
 * The lines' text lives in a few large strings (chunks of up to 8,192 lines joined by
 * newlines) with an offset per line, not one string per line: a million lines are about a
 * hundred strings for the garbage collector to trace, not a million, so a collection during
 * scrolling is short, and a search is one regular expression run over each chunk.
 */
export class LogBuffer {
  /** The closed chunks: lines joined by "\n" (a line never holds one). */
  private readonly chunks: string[] = [];
  /** The lines of the chunk being filled (joined when it closes or is read). */
  private open: string[] = [];
  /** `open` joined, while no line was added since. */
  private openJoined: string | null = null;
  /** Each line's start in its chunk's text. */
  private readonly starts = new Column();
  private count = 0;
  /** The raw text of the lines that carry escape sequences (for their colours). */
  private readonly raw = new Map<number, string>();
  private readonly streams = new Column();
  private readonly groups = new Column();
  private readonly spanCache = new Map<number, Span[]>();
  private readonly listeners = new Set<LogListener>();
  /** Where the next line of the open chunk starts. */
  private openLength = 0;
  version = 0;

  get length(): number {
    return this.count;
  }

  append(lines: readonly LogLineInput[]): void {
    if (lines.length === 0) return;
    for (const input of lines) {
      const index = this.count;
      if (this.open.length === CHUNK_LINES) this.closeChunk();
      // A row shows one line: a newline inside one is shown as a space.
      const text = plainText(input.line).replace(/\n/g, " ");
      this.starts.push(this.openLength);
      this.open.push(text);
      this.openLength += text.length + 1;
      this.count += 1;
      if (input.line.includes(ESC)) this.raw.set(index, input.line);
      this.streams.push(STREAM_CODES[input.stream]);
      this.groups.push(input.group);
    }
    this.openJoined = null;
    this.version += 1;
    for (const listener of this.listeners) listener(this.version);
  }

  private closeChunk(): void {
    this.chunks.push(this.open.join("\n"));
    this.open = [];
    this.openJoined = null;
    this.openLength = 0;
  }

  /** Chunk `k`'s text. */
  private chunkText(k: number): string {
    if (k < this.chunks.length) return this.chunks[k];
    this.openJoined ??= this.open.join("\n");
    return this.openJoined;
  }

  /** The end (exclusive) of line `index` in its chunk's text. */
  private lineEnd(index: number, chunk: string): number {
    const next = index + 1;
    return next < this.count && next % CHUNK_LINES !== 0 ? this.starts.at(next) - 1 : chunk.length;
  }

  /** Calls `listener` after each append; returns the function that stops it. */
  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  text(index: number): string {
    if (index < 0 || index >= this.count) return "";
    const k = Math.floor(index / CHUNK_LINES);
    if (k >= this.chunks.length) return this.open[index - k * CHUNK_LINES];
    const chunk = this.chunks[k];
    return chunk.slice(this.starts.at(index), this.lineEnd(index, chunk));
  }

  stream(index: number): LogStream {
    return this.streams.at(index) === STREAM_CODES[STDERR] ? "stderr" : "stdout";
  }

  group(index: number): number {
    return this.groups.at(index);
  }

  /** The styled spans of a line (parsed when first shown, a bounded cache). */
  spans(index: number): Span[] {
    const raw = this.raw.get(index);
    if (raw === undefined) return [plainSpan(this.text(index))];
    let spans = this.spanCache.get(index);
    if (spans === undefined) {
      spans = parseAnsi(raw);
      if (this.spanCache.size >= 4096) this.spanCache.clear();
      this.spanCache.set(index, spans);
    }
    return spans;
  }

  /** Lines `from..=to` joined by newlines, as shown (without escape sequences). */
  copyText(from: number, to: number): string {
    const start = Math.max(0, Math.min(from, to));
    const end = Math.min(this.count - 1, Math.max(from, to));
    const parts: string[] = [];
    for (let k = Math.floor(start / CHUNK_LINES); k * CHUNK_LINES <= end; k += 1) {
      const chunk = this.chunkText(k);
      const first = Math.max(start, k * CHUNK_LINES);
      const last = Math.min(end, (k + 1) * CHUNK_LINES - 1);
      parts.push(chunk.slice(this.starts.at(first), this.lineEnd(last, chunk)));
    }
    return parts.join("\n");
  }

  /** Every line containing `query` (case-insensitive), from line `from` on, in order. */
  search(query: string, from = 0): number[] {
    // A line holds no newline, so neither does a hit.
    if (query === "" || query.includes("\n")) return [];
    const pattern = new RegExp(escapeRegExp(query), "gi");
    const hits: number[] = [];
    const begin = Math.max(0, from);
    for (let k = Math.floor(begin / CHUNK_LINES); k * CHUNK_LINES < this.count; k += 1) {
      const chunk = this.chunkText(k);
      const base = k * CHUNK_LINES;
      const lines = Math.min(CHUNK_LINES, this.count - base);
      pattern.lastIndex = begin > base ? this.starts.at(begin) : 0;
      // The line of a hit: found by bisecting the chunk's starts, then the search goes on
      // from the next line (one hit per line).
      let lo = Math.max(0, begin - base);
      for (let match = pattern.exec(chunk); match !== null; match = pattern.exec(chunk)) {
        let hi = lines;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if (this.starts.at(base + mid) <= match.index) lo = mid;
          else hi = mid;
        }
        hits.push(base + lo);
        if (lo + 1 >= lines) break;
        pattern.lastIndex = this.starts.at(base + lo + 1);
        lo += 1;
      }
    }
    return hits;
  }
}

// ---- Windowing: rows, group headers, scroll scaling ----------------------------------------

/** Height of one log row in px (the CSS uses the same). */
export const ROW_HEIGHT = 20;
/**
 * The tallest spacer the log view makes. WebKitGTK and Chromium cap an element's height near
 * 16.7 million px; past this the scroll position is scaled onto the content.
 */
export const MAX_SPACER_PX = 4_000_000;

/** A row of the log view: a provisioner group's header, or a log line. */
export type LogRow = { kind: "header"; group: number } | { kind: "line"; line: number };

/**
 * The rows of the log view: each provisioner group's header goes before its first line.
 * `firstLines[k]` is group k's first line (non-decreasing).
 */
export class LogRows {
  private readonly headerRows: number[];
  readonly count: number;

  constructor(
    readonly lineCount: number,
    private readonly firstLines: readonly number[],
  ) {
    this.headerRows = firstLines.map((first, k) => first + k);
    this.count = lineCount + firstLines.length;
  }

  /** How many headers are at rows ≤ `row`. */
  private headersUpTo(row: number): number {
    let lo = 0;
    let hi = this.headerRows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.headerRows[mid] <= row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  at(row: number): LogRow {
    const headers = this.headersUpTo(row);
    if (headers > 0 && this.headerRows[headers - 1] === row) {
      return { kind: "header", group: headers - 1 };
    }
    return { kind: "line", line: row - headers };
  }

  /** The row showing line `line`. */
  rowOfLine(line: number): number {
    let lo = 0;
    let hi = this.firstLines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.firstLines[mid] <= line) lo = mid + 1;
      else hi = mid;
    }
    return line + lo;
  }

  /** The group whose lines or header a row belongs to, or -1. */
  groupOfRow(row: number): number {
    return this.headersUpTo(row) - 1;
  }
}

/** How `rows` rows of `rowHeight` px fit a scroll area of `viewport` px. */
export interface ScrollGeometry {
  rowHeight: number;
  viewport: number;
  /** The content's true height (rows × rowHeight). */
  contentPx: number;
  /** The height given to the scroll area's content (capped). */
  spacerPx: number;
  /** The largest content offset (the last row at the bottom). */
  maxOffset: number;
  /** The largest scrollTop of the scroll area. */
  maxScrollTop: number;
}

export function scrollGeometry(
  rows: number,
  rowHeight: number,
  viewport: number,
  maxSpacer = MAX_SPACER_PX,
): ScrollGeometry {
  const contentPx = rows * rowHeight;
  const spacerPx = Math.min(contentPx, maxSpacer);
  return {
    rowHeight,
    viewport,
    contentPx,
    spacerPx,
    maxOffset: Math.max(0, contentPx - viewport),
    maxScrollTop: Math.max(0, spacerPx - viewport),
  };
}

/** The content offset (px from the first row) shown at `scrollTop`. */
export function offsetFromScrollTop(geometry: ScrollGeometry, scrollTop: number): number {
  const top = Math.min(Math.max(0, scrollTop), geometry.maxScrollTop);
  if (geometry.maxScrollTop === 0) return 0;
  if (geometry.spacerPx === geometry.contentPx) return top;
  return (top / geometry.maxScrollTop) * geometry.maxOffset;
}

/** The scrollTop that shows content offset `offset`. */
export function scrollTopFromOffset(geometry: ScrollGeometry, offset: number): number {
  const clamped = Math.min(Math.max(0, offset), geometry.maxOffset);
  if (geometry.maxOffset === 0) return 0;
  if (geometry.spacerPx === geometry.contentPx) return clamped;
  return (clamped / geometry.maxOffset) * geometry.maxScrollTop;
}

export function clampOffset(geometry: ScrollGeometry, offset: number): number {
  return Math.min(Math.max(0, offset), geometry.maxOffset);
}

/** The rows to put in the DOM: `[first, end)`, the first one `top` px below the viewport's top. */
export interface RowWindow {
  first: number;
  end: number;
  top: number;
}

export function rowWindow(
  geometry: ScrollGeometry,
  rows: number,
  offset: number,
  overscan = 8,
): RowWindow {
  const clamped = clampOffset(geometry, offset);
  const visibleFirst = Math.floor(clamped / geometry.rowHeight);
  const visibleEnd = Math.ceil((clamped + geometry.viewport) / geometry.rowHeight);
  const first = Math.max(0, visibleFirst - overscan);
  const end = Math.min(rows, visibleEnd + overscan);
  return { first, end, top: first * geometry.rowHeight - clamped };
}

/** The content offset that puts `row` in the middle of the viewport. */
export function offsetCentring(geometry: ScrollGeometry, row: number): number {
  return clampOffset(
    geometry,
    row * geometry.rowHeight - (geometry.viewport - geometry.rowHeight) / 2,
  );
}

/** The content offset that brings `row` into view with the least movement from `offset`. */
export function offsetRevealing(geometry: ScrollGeometry, offset: number, row: number): number {
  const top = row * geometry.rowHeight;
  if (top < offset) return clampOffset(geometry, top);
  if (top + geometry.rowHeight > offset + geometry.viewport) {
    return clampOffset(geometry, top + geometry.rowHeight - geometry.viewport);
  }
  return offset;
}
