// What the UI knows about the backend's app info while it loads, once it is in, or after
// it failed. Rendered by the header, the error banner and the About view.

import type { AppInfo, BackendError, BackendErrorKind } from "../backend";

export type AppInfoState =
  | { status: "loading" }
  | { status: "ready"; info: AppInfo }
  | { status: "failed"; error: BackendError };

const KIND_LABELS: Record<string, string> = {
  io: "File or disk error",
  invalid_input: "Invalid input",
  internal: "Internal error",
  not_found: "Not found",
  keyring: "Keyring problem",
  credentials: "Credentials problem",
  sign_in_needed: "Sign-in needed",
  cancelled: "Cancelled",
  transport: "Backend not reachable",
};

/** A human label for an error kind; kinds added on the Rust side later fall back to their id. */
export function describeErrorKind(kind: BackendErrorKind): string {
  return KIND_LABELS[kind] ?? kind.replaceAll("_", " ");
}

/** Text for an optional setting such as the profile or region. */
export function orNotSet(value: string | null): string {
  return value === null || value.trim() === "" ? "Not set" : value;
}
