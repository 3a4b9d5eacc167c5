import "@testing-library/jest-dom/vitest";
import "@testing-library/svelte/vitest";

// jsdom has no ResizeObserver (Svelte's bind:clientWidth uses it): sizes stay as rendered.
if (!("ResizeObserver" in globalThis)) {
  class NoResizeObserver {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  Object.assign(globalThis, { ResizeObserver: NoResizeObserver });
}
