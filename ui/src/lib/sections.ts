// The app's top-level sections, in sidebar order. `id` is also the suffix of the stable
// test hooks (`nav-<id>`, `section-<id>`) that the WebDriver end-to-end test relies on.

export const SECTIONS = [
  { id: "templates", label: "Templates", placement: "main" },
  { id: "bakes", label: "Bakes", placement: "main" },
  { id: "history", label: "History", placement: "main" },
  { id: "profiles", label: "Profiles", placement: "main" },
  { id: "about", label: "About", placement: "footer" },
] as const;

export type Section = (typeof SECTIONS)[number];
export type SectionId = Section["id"];

export const DEFAULT_SECTION: SectionId = "templates";
