// How the Bakes view writes durations, times and template paths.

/** "850 ms", "12.3 s", "4 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 1000) return `${Math.round(safe)} ms`;
  if (safe < 60_000) return `${(Math.floor(safe / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(safe / 1000);
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** The file name of a template path ("—" when there is none). */
export function templateName(path: string | null): string {
  if (path === null || path === "") return "—";
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** A local date and time, e.g. for when a bake started. */
export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

/** A short local date and time for a list: the time alone today, the day without the year
 * this year, all of it before. */
export function formatWhen(ms: number, now: number = Date.now()): string {
  const at = new Date(ms);
  const today = new Date(now);
  const time = at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (at.toDateString() === today.toDateString()) return `Today ${time}`;
  if (at.getFullYear() === today.getFullYear()) {
    return `${at.toLocaleDateString(undefined, { month: "short", day: "numeric" })}, ${time}`;
  }
  return `${at.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })}, ${time}`;
}

/** The folder of a template path ("" when there is none). */
export function templateFolder(path: string | null): string {
  if (path === null || path === "") return "";
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut < 0 ? "" : cut === 0 ? "/" : path.slice(0, cut);
}

/** The EC2 console's page of an image. */
export function consoleImageUrl(region: string, imageId: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/ec2/home?region=${r}#ImageDetails:imageId=${encodeURIComponent(imageId)}`;
}

/** The message of anything a backend call rejects with. */
export function errorMessage(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "object" && reason !== null && "message" in reason) {
    return String((reason as { message: unknown }).message);
  }
  return String(reason);
}
