//! `bakery history`: every bake this data directory ran, from the terminal — list, show one,
//! its log (following a running one), how it differs from the bake before, an image's
//! lineage, export and import as JSON lines, and prune. Times are RFC 3339 UTC.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use bakery_app::history::{
    BakeDetail, BakeRecord, BakeStatus, Lineage, SourceFreshness, TimelineQuery,
};
use bakery_engine::{BakeEvent, StampedEvent};

use crate::error::CliError;
use crate::front::bakery;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    command: HistoryCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HistoryCommand {
    /// Bakes, oldest first (the newest last, next to the prompt).
    List(ListArgs),
    /// One bake: template, variables, account, source image, steps, images, resources.
    Show(ShowArgs),
    /// A bake's log as the bake printed it; --follow waits for a running bake's next lines.
    Logs(LogsArgs),
    /// How a bake's template as baked differs from the previous bake of the same template
    /// and build (or from OTHER), as a unified diff, with the variables that changed.
    Diff(DiffArgs),
    /// What an image was baked from, back to a base image, and every bake built from it,
    /// each marked up to date or out of date against its source template's newest image.
    Lineage(LineageArgs),
    /// Finished bakes as JSON lines (one bake per line, its events included), to stdout.
    Export(ExportArgs),
    /// Adds the bakes of an export (or, --from-account, of the account's tagged images);
    /// bakes already here are skipped.
    Import(ImportArgs),
    /// Drops the events (log lines) of bakes that finished before a date; every bake's
    /// summary, steps, template, images and open ledger rows stay.
    Prune(PruneArgs),
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// Only bakes of this template file (as it was given to `bake`).
    #[arg(long)]
    template: Option<String>,
    /// Only bakes that ended so (repeat for several).
    #[arg(long, value_enum)]
    status: Vec<StatusArg>,
    /// Only bakes started since: an RFC 3339 time, a date (2026-11-01), or an age (12h, 7d, 4w).
    #[arg(long)]
    since: Option<String>,
    /// At most this many (the newest).
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StatusArg {
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Aborted,
}

impl From<StatusArg> for BakeStatus {
    fn from(value: StatusArg) -> Self {
        match value {
            StatusArg::Running => BakeStatus::Running,
            StatusArg::Succeeded => BakeStatus::Succeeded,
            StatusArg::Failed => BakeStatus::Failed,
            StatusArg::Cancelled => BakeStatus::Cancelled,
            StatusArg::Aborted => BakeStatus::Aborted,
        }
    }
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The bake's id, or its first characters (at least 4).
    id: String,
    /// The whole record as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct LogsArgs {
    /// The bake's id, or its first characters (at least 4).
    id: String,
    /// Keep printing as a running bake goes on, until it ends.
    #[arg(long, short)]
    follow: bool,
    /// One JSON event per line, as `bakery bake --json` prints them.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The bake's id, or its first characters.
    id: String,
    /// The bake to compare with (default: the previous bake of the same template and build).
    other: Option<String>,
}

#[derive(Debug, clap::Args)]
struct LineageArgs {
    /// An AMI id (`ami-…`).
    image: String,
    /// The lineage as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// Only bakes started since (RFC 3339, a date, or an age such as 30d).
    #[arg(long)]
    since: Option<String>,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// A file written by `bakery history export` (`-` for stdin).
    #[arg(
        required_unless_present = "from_account",
        conflicts_with = "from_account"
    )]
    file: Option<PathBuf>,
    /// Instead, rebuild the summaries of the bakes whose images are in the account (tagged
    /// by bakery at bake time, every region): their images, template, build and source, so
    /// the lineage is the same on this machine.
    #[arg(long)]
    from_account: bool,
    /// The AWS profile to read the account with (--from-account).
    #[arg(long, requires = "from_account")]
    profile: Option<String>,
    /// The region for the calls that are not regional (--from-account).
    #[arg(long, default_value = "us-east-1", requires = "from_account")]
    region: String,
}

#[derive(Debug, clap::Args)]
struct PruneArgs {
    /// Drop the events of bakes finished before this: RFC 3339, a date, or an age (90d).
    #[arg(long)]
    older_than: String,
}

pub fn run(args: &HistoryArgs) -> Result<(), CliError> {
    match &args.command {
        HistoryCommand::List(args) => list(args),
        HistoryCommand::Show(args) => show(args),
        HistoryCommand::Logs(args) => logs(args),
        HistoryCommand::Diff(args) => diff(args),
        HistoryCommand::Lineage(args) => lineage(args),
        HistoryCommand::Export(args) => export(args),
        HistoryCommand::Import(args) => import(args),
        HistoryCommand::Prune(args) => prune(args),
    }
}

fn list(args: &ListArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let from = match &args.since {
        Some(since) => parse_when(since, "--since")?,
        None => "1970-01-01T00:00:00.000Z".to_string(),
    };
    let timeline = bakery.timeline(&TimelineQuery {
        from,
        to: "9999-12-31T23:59:59Z".to_string(),
        status: args.status.iter().copied().map(BakeStatus::from).collect(),
        // Bakes record their template's absolute path.
        template: args.template.as_ref().map(|t| {
            std::path::absolute(t).map_or_else(|_| t.clone(), |p| p.display().to_string())
        }),
        max_bakes: u32::MAX,
        newest_only: Some(u32::try_from(args.limit).unwrap_or(u32::MAX)),
        buckets: 1,
        ..TimelineQuery::default()
    })?;
    let skip = timeline.bakes.len().saturating_sub(args.limit);
    let mut out = std::io::stdout().lock();
    if !args.json && timeline.bakes.is_empty() {
        let _ = writeln!(
            out,
            "No bakes match. `bakery bake TEMPLATE` records every bake here."
        );
        return Ok(());
    }
    if !args.json {
        let _ = writeln!(
            out,
            "{:<20}  {:<10}  {:>8}  {:<12}  {:<14}  {:<36}  TEMPLATE",
            "STARTED (UTC)", "STATUS", "TIME", "BUILD", "REGION", "BAKE"
        );
    }
    for item in &timeline.bakes[skip..] {
        let bake = &item.bake;
        let status = if item.interrupted {
            "interrupted"
        } else {
            bake.status.as_str()
        };
        if args.json {
            let mut value = serde_json::to_value(bake).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.insert("interrupted".into(), item.interrupted.into());
            }
            let _ = writeln!(out, "{value}");
        } else {
            let _ = writeln!(
                out,
                "{:<20}  {:<10}  {:>8}  {:<12}  {:<14}  {:<36}  {}",
                short_time(&bake.started_at),
                status,
                duration_text(bake),
                bake.build_name.as_deref().unwrap_or("-"),
                bake.region,
                bake.id,
                bake.template_path.as_deref().unwrap_or("-"),
            );
        }
    }
    Ok(())
}

fn show(args: &ShowArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let detail = bakery.bake_detail(&args.id)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&detail).unwrap_or_default()
        );
        return Ok(());
    }
    print!("{}", describe(&detail));
    Ok(())
}

/// A bake as `history show` prints it.
fn describe(detail: &BakeDetail) -> String {
    use std::fmt::Write as _;
    let bake = &detail.bake;
    let mut out = String::new();
    let _ = writeln!(out, "Bake      {}", bake.id);
    let _ = writeln!(out, "Status    {}", bake.status.as_str());
    if let Some(error) = &bake.error {
        let _ = writeln!(out, "Error     {error}");
    }
    let _ = writeln!(
        out,
        "Template  {}",
        bake.template_path.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "Build     {}",
        bake.build_name.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "Started   {}  ({} in all)",
        bake.started_at,
        duration_text(bake)
    );
    if let Some(finished) = &bake.finished_at {
        let _ = writeln!(out, "Finished  {finished}");
    }
    let _ = writeln!(
        out,
        "Profile   {}",
        bake.profile.as_deref().unwrap_or("(default credentials)")
    );
    let _ = writeln!(
        out,
        "Account   {}",
        detail.account_id.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "Regions   {}", detail.regions.join(", "));
    let _ = writeln!(out, "Host      {}", detail.host.as_deref().unwrap_or("-"));
    if let Some(source) = &detail.source_image {
        let _ = writeln!(
            out,
            "Source    {} {} (owner {}, created {})",
            source.id,
            source.name.as_deref().unwrap_or(""),
            source.owner.as_deref().unwrap_or("?"),
            source.created.as_deref().unwrap_or("?")
        );
    }
    if let Some(map) = detail.variables.as_object().filter(|m| !m.is_empty()) {
        let _ = writeln!(out, "Variables");
        for (name, value) in map {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            let _ = writeln!(out, "  {name} = {value}");
        }
    }
    if !detail.steps.is_empty() {
        let _ = writeln!(out, "Steps");
        for step in &detail.steps {
            let time = step
                .duration_ms
                .map(|ms| seconds(u64::try_from(ms).unwrap_or_default()))
                .unwrap_or_else(|| "…".into());
            let _ = writeln!(
                out,
                "  {:<10} {:>8}  {}{}",
                step.status.as_str(),
                time,
                step_title(&step.step),
                step.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            );
        }
    }
    if !detail.artifacts.is_empty() {
        let _ = writeln!(out, "Images");
        for artifact in &detail.artifacts {
            let mut notes = Vec::new();
            if artifact.encrypted == Some(true) {
                notes.push("encrypted".to_string());
            }
            if !artifact.shared_with.is_empty() {
                notes.push(format!("shared with {}", artifact.shared_with.join(", ")));
            }
            let _ = writeln!(
                out,
                "  {:<14} {}  snapshots {}{}",
                artifact.region,
                artifact.image_id,
                artifact.snapshot_ids.join(", "),
                if notes.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", notes.join("; "))
                }
            );
        }
    }
    if !detail.ledger.is_empty() {
        let _ = writeln!(out, "Resources");
        for entry in &detail.ledger {
            let _ = writeln!(
                out,
                "  {:<8} {:<16} {:<24} {}{}",
                format!("{:?}", entry.state).to_lowercase(),
                entry.kind.as_str(),
                entry
                    .resource_id
                    .as_deref()
                    .or(entry.name.as_deref())
                    .unwrap_or("-"),
                entry.region,
                entry
                    .note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
        }
    }
    out
}

fn logs(args: &LogsArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let id = bakery.resolve_bake(&args.id)?;
    let build = bakery
        .bake_detail(&id)?
        .bake
        .build_name
        .unwrap_or_else(|| "bake".into());
    let mut printer = crate::bake::Printer::new(build, args.json);
    let mut last = -1;
    let mut poll = Duration::from_millis(100);
    loop {
        let mut finished = false;
        for stored in bakery.bake_events_after(&id, last)? {
            last = stored.seq;
            let Ok(event) = serde_json::from_str::<BakeEvent>(&stored.event) else {
                continue;
            };
            finished |= matches!(event, BakeEvent::BakeFinished { .. });
            printer.print(
                &id,
                &StampedEvent {
                    seq: u64::try_from(stored.seq).unwrap_or_default(),
                    at: stored.at,
                    event,
                },
            );
        }
        if !args.follow || finished {
            return Ok(());
        }
        let summary = bakery.summary_of(&id)?;
        if summary.status != BakeStatus::Running || summary.interrupted {
            // Ended without its last event (killed): say so rather than wait forever.
            if summary.interrupted {
                eprintln!(
                    "bakery: bake {id} stopped without finishing (its process is gone); `bakery cleanup` cleans up after it"
                );
            }
            return Ok(());
        }
        std::thread::sleep(poll);
        poll = (poll * 2).min(Duration::from_millis(500));
    }
}

fn diff(args: &DiffArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let diff = bakery.bake_diff(&args.id, args.other.as_deref())?;
    let Some(base) = &diff.base else {
        println!(
            "Bake {} is the first bake of {} ({}): nothing to compare with.",
            diff.bake.id,
            diff.bake.template_path.as_deref().unwrap_or("its template"),
            diff.bake.build_name.as_deref().unwrap_or("-")
        );
        return Ok(());
    };
    let label = |bake: &BakeRecord| format!("bake {} ({})", bake.id, bake.started_at);
    if diff.text == diff.base_text {
        println!(
            "The template as baked is the same in {} and {}.",
            label(base),
            label(&diff.bake)
        );
    } else {
        print!(
            "{}",
            crate::fmt::labelled_diff(
                &label(base),
                &label(&diff.bake),
                &diff.base_text,
                &diff.text
            )
        );
    }
    for change in &diff.variables {
        println!(
            "variable {}: {} → {}",
            change.name,
            change.before.as_deref().unwrap_or("(not given)"),
            change.after.as_deref().unwrap_or("(not given)")
        );
    }
    if let Some((before, after)) = &diff.source_images {
        let name = |s: &Option<bakery_app::history::SourceImage>| {
            s.as_ref().map_or("(none)".to_string(), |s| {
                format!("{} {}", s.id, s.name.as_deref().unwrap_or(""))
                    .trim()
                    .to_string()
            })
        };
        println!("source image: {} → {}", name(before), name(after));
    }
    Ok(())
}

fn lineage(args: &LineageArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let lineage = bakery.lineage(&args.image)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&lineage).unwrap_or_default()
        );
        return Ok(());
    }
    print!("{}", describe_lineage(&lineage));
    Ok(())
}

fn describe_lineage(lineage: &Lineage) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if lineage.ancestors.is_empty() && lineage.descendants.is_empty() {
        let _ = writeln!(
            out,
            "No bake in this history made or used {}.",
            lineage.image_id
        );
        return out;
    }
    // Oldest ancestor first: base image → … → the image.
    for ancestor in lineage.ancestors.iter().rev() {
        let source = ancestor
            .source_image
            .as_ref()
            .map_or("(source not recorded)".to_string(), |s| {
                format!("{} {}", s.id, s.name.as_deref().unwrap_or(""))
            });
        let made: Vec<&str> = ancestor
            .artifacts
            .iter()
            .map(|a| a.image_id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "{} → bake {} ({}, {}) → {}",
            source.trim(),
            ancestor.bake.id,
            ancestor.bake.template_path.as_deref().unwrap_or("-"),
            short_time(&ancestor.bake.started_at),
            made.join(", ")
        );
    }
    if lineage.descendants.is_empty() {
        let _ = writeln!(out, "No bake here was built from {}.", lineage.image_id);
    } else {
        let _ = writeln!(out, "Built from {}:", lineage.image_id);
    }
    for descendant in &lineage.descendants {
        let made: Vec<&str> = descendant
            .bake
            .artifacts
            .iter()
            .map(|a| a.image_id.as_str())
            .collect();
        let freshness = match &descendant.freshness {
            SourceFreshness::UpToDate => "up to date".to_string(),
            SourceFreshness::OutOfDate { newest, .. } => {
                format!("OUT OF DATE: its source's template has made {newest} since")
            }
            SourceFreshness::Unknown => "source not baked here".to_string(),
        };
        let _ = writeln!(
            out,
            "{}bake {} ({}, {}, {}) → {}  [{freshness}]",
            "  ".repeat(usize::try_from(descendant.depth).unwrap_or(1)),
            descendant.bake.bake.id,
            descendant.bake.bake.template_path.as_deref().unwrap_or("-"),
            descendant.bake.bake.status.as_str(),
            short_time(&descendant.bake.bake.started_at),
            if made.is_empty() {
                "(no image)".to_string()
            } else {
                made.join(", ")
            }
        );
    }
    out
}

fn export(args: &ExportArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let since = args
        .since
        .as_deref()
        .map(|s| parse_when(s, "--since"))
        .transpose()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let count = bakery.export_history(since.as_deref(), |bake| {
        let line = serde_json::to_string(&bake).unwrap_or_default();
        // A closed pipe (`| head`) ends the export quietly.
        let _ = writeln!(out, "{line}");
        Ok(())
    })?;
    let _ = out.flush();
    eprintln!("Exported {count} bake(s).");
    Ok(())
}

fn import(args: &ImportArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let Some(file) = &args.file else {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(CliError::Runtime)?;
        let report =
            runtime.block_on(bakery.import_from_account(args.profile.as_deref(), &args.region))?;
        println!(
            "Imported {} bake(s) from the account's tagged images; {} already in this history were left as they are.",
            report.imported, report.skipped
        );
        return Ok(());
    };
    let (name, text) = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|source| {
            CliError::Read {
                path: file.clone(),
                source,
            }
        })?;
        ("stdin".to_string(), text)
    } else {
        let text = std::fs::read_to_string(file).map_err(|source| CliError::Read {
            path: file.clone(),
            source,
        })?;
        (file.display().to_string(), text)
    };
    let report = bakery.import_history(&name, &text)?;
    println!(
        "Imported {} bake(s); {} already in this history were left as they are.",
        report.imported, report.skipped
    );
    Ok(())
}

fn prune(args: &PruneArgs) -> Result<(), CliError> {
    let bakery = bakery()?;
    let before = parse_when(&args.older_than, "--older-than")?;
    let report = bakery.prune_history(&before)?;
    println!(
        "Dropped {} event(s) of {} bake(s) finished before {before}; their summaries, steps, images and open resources stay.",
        report.events, report.bakes
    );
    Ok(())
}

/// An RFC 3339 time, a date (midnight UTC), or an age before now (`12h`, `7d`, `4w`).
fn parse_when(text: &str, flag: &str) -> Result<String, CliError> {
    let text = text.trim();
    if let Ok(time) = humantime::parse_rfc3339_weak(text) {
        return Ok(humantime::format_rfc3339_millis(time).to_string());
    }
    if let Ok(time) = humantime::parse_rfc3339_weak(&format!("{text}T00:00:00")) {
        return Ok(humantime::format_rfc3339_millis(time).to_string());
    }
    let age = text
        .strip_suffix('w')
        .and_then(|w| w.parse::<u64>().ok())
        .map(|w| Duration::from_secs(w * 7 * 86_400))
        .or_else(|| humantime::parse_duration(text).ok());
    match age.and_then(|age| SystemTime::now().checked_sub(age)) {
        Some(time) => Ok(humantime::format_rfc3339_millis(time).to_string()),
        None => Err(CliError::Usage(format!(
            "{flag} {text:?}: give an RFC 3339 time (2026-11-01T09:00:00Z), a date (2026-11-01) or an age (12h, 7d, 4w)"
        ))),
    }
}

/// `2026-12-02T21:03:04.123Z` → `2026-12-02 21:03:04`.
fn short_time(at: &str) -> String {
    at.get(..19).unwrap_or(at).replace('T', " ")
}

fn duration_text(bake: &BakeRecord) -> String {
    let parse = |t: &str| humantime::parse_rfc3339_weak(t.trim_end_matches('Z')).ok();
    match (
        parse(&bake.started_at),
        bake.finished_at.as_deref().and_then(parse),
    ) {
        (Some(start), Some(end)) => end
            .duration_since(start)
            .map(|d| seconds(u64::try_from(d.as_millis()).unwrap_or_default()))
            .unwrap_or_else(|_| "-".into()),
        _ => "…".into(),
    }
}

fn seconds(ms: u64) -> String {
    if ms >= 60_000 {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// A stored step name's title (`provision` → "Run provisioners").
fn step_title(key: &str) -> String {
    serde_json::from_value::<bakery_engine::StepName>(serde_json::Value::String(key.into()))
        .map_or_else(|_| key.to_string(), |step| step.title().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_takes_a_time_a_date_or_an_age() {
        assert_eq!(
            parse_when("2026-11-01T09:00:00Z", "--since").unwrap(),
            "2026-11-01T09:00:00.000Z"
        );
        assert_eq!(
            parse_when("2026-11-01", "--since").unwrap(),
            "2026-11-01T00:00:00.000Z"
        );
        let week = parse_when("1w", "--since").unwrap();
        let seven_days = parse_when("7d", "--since").unwrap();
        assert_eq!(week.get(..16), seven_days.get(..16));
        let err = parse_when("last tuesday", "--since")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--since"), "{err}");
    }

    #[test]
    fn short_times_and_durations() {
        assert_eq!(
            short_time("2026-12-02T21:03:04.123Z"),
            "2026-12-02 21:03:04"
        );
        assert_eq!(seconds(1500), "1.5s");
        assert_eq!(seconds(125_000), "2m05s");
    }
}
