// What the History view needs from Rust, as an interface the view takes as a prop (tests
// pass a fake); `appHistoryBackend` is written over `src/backend/`.

import * as backend from "../../backend";
import type {
  BakeDetail,
  BakeDiff,
  ExpectedSteps,
  ImageStanding,
  Lineage,
  StepTimes,
  Timeline,
  TimelineQuery,
} from "../../backend";

export interface HistoryBackend {
  /** The bakes of the window (clusters when there are too many to draw). */
  timeline(query: TimelineQuery): Promise<Timeline>;
  bake(id: string): Promise<BakeDetail>;
  /** How the bake differs from the previous bake of its template and build. */
  diff(id: string): Promise<BakeDiff>;
  lineage(imageId: string): Promise<Lineage>;
  trends(templatePath: string, region: string): Promise<[StepTimes[], ExpectedSteps]>;
  /** Where the bake's images stand in the account now (asked on demand). */
  standings(id: string): Promise<ImageStanding[]>;
}

export const appHistoryBackend: HistoryBackend = {
  timeline: (query) => backend.historyTimeline(query),
  bake: (id) => backend.historyBake(id),
  diff: (id) => backend.historyDiff(id),
  lineage: (imageId) => backend.historyLineage(imageId),
  trends: (templatePath, region) => backend.historyTrends(templatePath, region),
  standings: (id) => backend.historyImageStandings(id),
};
