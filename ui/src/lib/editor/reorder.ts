// Drag-to-reorder arithmetic for a vertical list (the provisioner list), kept apart from the
// DOM so it can be tested. A *gap* is a place between items: gap g lies just before item g, and
// gap n (for n items) after the last one. Dropping the dragged item `from` in gap `from` or
// `from + 1` (right above or right below itself) leaves the list as it is.

/** How far, in CSS pixels, the pointer must move before a press on the handle becomes a drag. */
export const DRAG_THRESHOLD = 4;

/** Whether a pointer that moved by (`dx`, `dy`) since the press has started a drag. */
export function pastThreshold(dx: number, dy: number): boolean {
  return Math.hypot(dx, dy) >= DRAG_THRESHOLD;
}

/**
 * The gap a pointer at `y` points at: the number of items whose midpoint lies above `y`
 * (`midpoints` in list order, top to bottom, in the same coordinates as `y`). A pointer exactly
 * on a midpoint counts as above it. Null when that gap is one of the two beside the dragged item
 * `from`, where a drop changes nothing (no drop indicator shows there).
 */
export function dropGap(midpoints: readonly number[], y: number, from: number): number | null {
  let gap = 0;
  while (gap < midpoints.length && y > midpoints[gap]) gap++;
  return moveTarget(from, gap) === null ? null : gap;
}

/**
 * Where the item `from` ends up when dropped in `gap`, as the edit engine's `move` wants it:
 * an index of the list after the move (the item is taken out first, so every gap below it is
 * one index less). Null when it would stay where it is.
 */
export function moveTarget(from: number, gap: number): number | null {
  if (gap === from || gap === from + 1) return null;
  return gap < from ? gap : gap - 1;
}

/**
 * How many pixels to scroll a box spanning `top`..`bottom` (viewport coordinates) this frame
 * while the pointer is at `y`: negative near the top edge, positive near the bottom edge, zero in
 * between; faster the closer to (or the further past) the edge, up to `max`.
 */
export function edgeScroll(y: number, top: number, bottom: number, zone = 32, max = 14): number {
  const band = Math.min(zone, Math.max(0, (bottom - top) / 4));
  if (band <= 0) return 0;
  if (y < top + band) return -Math.ceil(max * Math.min(1, (top + band - y) / band));
  if (y > bottom - band) return Math.ceil(max * Math.min(1, (y - (bottom - band)) / band));
  return 0;
}
