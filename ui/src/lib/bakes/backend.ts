// What the Bakes view needs from Rust (the calls of notes/bakes-contract.md), as an interface
// the view takes as a prop: tests pass a fake, the app passes `defaultBakesBackend`, which is
// to be implemented over `src/backend/` (the only module that talks to Rust).

import type {
  BakeSummary,
  Leftover,
  PreparedBake,
  StampedEvent,
  StartBakeRequest,
  UnfinishedBake,
} from "./types";

export interface BakesBackend {
  /** Running bakes first, then recent ones. */
  listBakes(): Promise<BakeSummary[]>;
  /** The template's check, its variables, and the profile and region a bake would use. */
  prepareBake(path: string): Promise<PreparedBake>;
  /** Starts one bake per build; resolves to their ids. Sensitive values go to Rust only. */
  startBake(request: StartBakeRequest): Promise<string[]>;
  /**
   * Replays the bake's stored events from seq 0, then its live ones, in batches; resolves to
   * the function that detaches.
   */
  attachBake(id: string, onBatch: (batch: StampedEvent[]) => void): Promise<() => void>;
  cancelBake(id: string): Promise<void>;
  /** "Clean up now" after an abort: what could not be deleted (empty: all clean). */
  cleanupBake(id: string): Promise<Leftover[]>;
  /** Bakes whose process died, found in the ledger, with what they made. */
  listUnfinished(): Promise<UnfinishedBake[]>;
  /** Cleans every unfinished bake (like `bakery cleanup`); resolves to what is left. */
  recoverUnfinished(): Promise<Leftover[]>;
  /** The native open dialog for a template; null when dismissed. */
  pickTemplate(): Promise<string | null>;
}

function notWired(call: string): Promise<never> {
  return Promise.reject(new Error(`${call}: the Bakes view is not wired to the backend yet`));
}

/** The app's backend for the Bakes view. Not wired yet: every call rejects. */
export const defaultBakesBackend: BakesBackend = {
  listBakes: () => notWired("listBakes"),
  prepareBake: () => notWired("prepareBake"),
  startBake: () => notWired("startBake"),
  attachBake: () => notWired("attachBake"),
  cancelBake: () => notWired("cancelBake"),
  cleanupBake: () => notWired("cleanupBake"),
  listUnfinished: () => notWired("listUnfinished"),
  recoverUnfinished: () => notWired("recoverUnfinished"),
  pickTemplate: () => notWired("pickTemplate"),
};
