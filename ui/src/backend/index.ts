// The only door from the UI to the Rust backend. Components import from here, never from
// `@tauri-apps/api` or from the generated `bindings.ts` (which tauri-specta overwrites).
// Every call resolves to its data or throws a `BackendError` carrying `{ kind, message, field }`.

import { commands } from "./bindings";
import type { AppInfo_Serialize, ErrorKind, IpcError_Serialize } from "./bindings";

// What Rust sends (its `Serialize` shape: every field present, `null` when unset).
export type AppInfo = AppInfo_Serialize;
export type IpcError = IpcError_Serialize;
export type { ErrorKind };

/** What a tauri-specta command resolves to (its "Result" error-handling mode). */
type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: IpcError };

/**
 * What went wrong, as the UI branches on it: an `ErrorKind` reported by Rust, or
 * `"transport"` when the call never reached a command (no Tauri runtime, unknown command,
 * an answer that is not an `IpcError`).
 */
export type BackendErrorKind = ErrorKind | "transport";

export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  /** The input field the error is about, so a form can point at it. */
  readonly field: string | null;

  constructor(kind: BackendErrorKind, message: string, field: string | null = null) {
    super(message);
    this.name = "BackendError";
    this.kind = kind;
    this.field = field;
  }
}

function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.kind === "string" &&
    typeof candidate.message === "string" &&
    (candidate.field === undefined ||
      candidate.field === null ||
      typeof candidate.field === "string")
  );
}

/** Turns anything a backend call can reject with into a `BackendError`. */
export function toBackendError(reason: unknown): BackendError {
  if (reason instanceof BackendError) return reason;
  if (isIpcError(reason)) {
    return new BackendError(reason.kind, reason.message, reason.field ?? null);
  }
  if (reason instanceof Error) {
    return new BackendError("transport", `The backend could not be reached: ${reason.message}`);
  }
  if (typeof reason === "string" && reason.length > 0) {
    // Tauri itself rejects with a plain string, e.g. for a command that does not exist.
    return new BackendError("transport", reason);
  }
  return new BackendError("transport", "The backend returned an unexpected answer.");
}

async function call<T>(run: () => Promise<CommandResult<T>>): Promise<T> {
  let result: CommandResult<T>;
  try {
    result = await run();
  } catch (reason) {
    throw toBackendError(reason);
  }
  if (result.status === "error") throw toBackendError(result.error);
  return result.data;
}

/** Version, data directory, active profile and region, and the sandbox endpoint if any. */
export function getAppInfo(): Promise<AppInfo> {
  return call(() => commands.appInfo());
}
