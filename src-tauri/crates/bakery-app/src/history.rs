//! The history's use cases: the timeline's window, one bake whole, how a bake differs from
//! the one before it, the lineage of an image (what it was baked from, what was baked from
//! it, and whether those are behind), the step times of a template (trends, ETAs), and
//! export, import and prune. The window and `bakery history` both call these.

use std::collections::{BTreeMap, HashSet};

pub use bakery_history::{
    Artifact, BakeDetail, BakeRecord, BakeStatus, ExportedBake, ImportReport, LaneBy, PruneReport,
    SourceImage, StepRecord, StepStatus, StepTimes, StoredEvent, Timeline, TimelineBake,
    TimelineCluster, TimelineQuery,
};
use serde::{Deserialize, Serialize};

use crate::bake::Bakery;
use crate::error::AppError;

/// How many recent bakes an expected step time is the median of.
pub const EXPECTED_FROM_BAKES: u32 = 10;

/// A bake and the one it is compared with.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BakeDiff {
    /// The bake compared.
    pub bake: BakeRecord,
    /// The bake it is compared with: the previous bake of the same template and build,
    /// unless another was named. `None`: there is none.
    pub base: Option<BakeRecord>,
    /// The template as `bake` baked it.
    pub text: String,
    /// The template as `base` baked it (empty when there is no base).
    pub base_text: String,
    /// The variables whose value differs: (name, base's value, this bake's value).
    pub variables: Vec<VariableChange>,
    /// The source image, when it differs (base's, this bake's).
    pub source_images: Option<(Option<SourceImage>, Option<SourceImage>)>,
}

/// A variable whose value differs between two bakes.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableChange {
    /// Its name.
    pub name: String,
    /// Its value in the earlier bake (`None`: not given there).
    pub before: Option<String>,
    /// Its value in this bake (`None`: not given here).
    pub after: Option<String>,
}

/// A bake in a lineage: what it started from and what it made.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineageBake {
    /// The bake.
    pub bake: BakeRecord,
    /// The image it started from.
    pub source_image: Option<SourceImage>,
    /// The images it made.
    pub artifacts: Vec<Artifact>,
}

/// Whether a bake's source image is still its template's newest.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SourceFreshness {
    /// The source image is the newest image its template made in that region.
    UpToDate,
    /// A newer bake of the source's template made `newest` since.
    OutOfDate {
        /// The newest image of the source's template in that region.
        newest: String,
        /// The bake that made it.
        newest_bake: String,
    },
    /// The source image was not baked by a bake in this history (an Amazon or
    /// marketplace image, or another machine's): nothing to compare with.
    Unknown,
}

/// A bake that descends from the image asked about.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descendant {
    /// 1 for a bake built from the image itself, 2 from one of its products, ...
    pub depth: u32,
    /// The bake.
    pub bake: LineageBake,
    /// Whether what it was built from is still the newest.
    pub freshness: SourceFreshness,
}

/// An image's lineage: its ancestors back to an image no bake here made, and every bake
/// that descends from it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// The image asked about.
    pub image_id: String,
    /// The bake that made it, then the bake that made that one's source, ...
    pub ancestors: Vec<LineageBake>,
    /// Every bake built from it or from what was built from it, depth first.
    pub descendants: Vec<Descendant>,
}

/// The expected duration of each step of a template's bake in a region.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedSteps {
    /// How many recent bakes it is the median of.
    pub bakes: u32,
    /// step → median milliseconds.
    #[cfg_attr(feature = "specta", specta(type = BTreeMap<String, u32>))]
    pub steps: BTreeMap<String, u64>,
}

impl Bakery {
    /// The timeline's window (bakes whose process died are marked interrupted).
    pub fn timeline(&self, query: &TimelineQuery) -> Result<Timeline, AppError> {
        let mut timeline = self.history()?.timeline(query)?;
        let running = self.running();
        for item in &mut timeline.bakes {
            item.interrupted = self.is_interrupted(&item.bake, &running);
        }
        Ok(timeline)
    }

    /// The bake whose id is or starts with `id`.
    pub fn resolve_bake(&self, id: &str) -> Result<String, AppError> {
        Ok(self.history()?.resolve(id)?)
    }

    /// One bake, whole.
    pub fn bake_detail(&self, id: &str) -> Result<BakeDetail, AppError> {
        let history = self.history()?;
        Ok(history.detail(&history.resolve(id)?)?)
    }

    /// A bake's stored events, in order (log lines included).
    pub fn bake_events(&self, id: &str) -> Result<Vec<bakery_history::StoredEvent>, AppError> {
        let history = self.history()?;
        Ok(history.events(&history.resolve(id)?)?)
    }

    /// A bake's stored events after the one numbered `seq` (`bakery history logs --follow`).
    pub fn bake_events_after(
        &self,
        id: &str,
        seq: i64,
    ) -> Result<Vec<bakery_history::StoredEvent>, AppError> {
        Ok(self.history()?.events_after(id, seq)?)
    }

    /// How bake `id` differs from `other`, or from the previous bake of its template.
    pub fn bake_diff(&self, id: &str, other: Option<&str>) -> Result<BakeDiff, AppError> {
        let history = self.history()?;
        let this = history.detail(&history.resolve(id)?)?;
        let base_id = match other {
            Some(other) => Some(history.resolve(other)?),
            None => history.previous_bake(&this.bake.id)?,
        };
        let base = base_id.map(|id| history.detail(&id)).transpose()?;
        let strings = |detail: &BakeDetail| -> BTreeMap<String, String> {
            detail
                .variables
                .as_object()
                .map(|map| {
                    map.iter()
                        .map(|(k, v)| {
                            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                            (k.clone(), text)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let after = strings(&this);
        let before = base.as_ref().map(strings).unwrap_or_default();
        let names: std::collections::BTreeSet<&String> =
            after.keys().chain(before.keys()).collect();
        let variables = names
            .into_iter()
            .filter(|name| before.get(*name) != after.get(*name))
            .map(|name| VariableChange {
                name: name.clone(),
                before: before.get(name).cloned(),
                after: after.get(name).cloned(),
            })
            .collect();
        let source_images = base
            .as_ref()
            .filter(|base| base.source_image != this.source_image)
            .map(|base| (base.source_image.clone(), this.source_image.clone()));
        Ok(BakeDiff {
            text: this.template_text.clone().unwrap_or_default(),
            base_text: base
                .as_ref()
                .and_then(|b| b.template_text.clone())
                .unwrap_or_default(),
            base: base.map(|b| b.bake),
            bake: this.bake,
            variables,
            source_images,
        })
    }

    /// The lineage of an image.
    pub fn lineage(&self, image_id: &str) -> Result<Lineage, AppError> {
        let history = self.history()?;
        let lineage_bake = |id: &str| -> Result<LineageBake, AppError> {
            let detail = history.detail(id)?;
            Ok(LineageBake {
                bake: detail.bake,
                source_image: detail.source_image,
                artifacts: detail.artifacts,
            })
        };
        let mut seen = HashSet::new();
        let mut ancestors = Vec::new();
        let mut image = image_id.to_string();
        while let Some(bake_id) = history.produced_by(&image)? {
            if !seen.insert(bake_id.clone()) {
                break;
            }
            let bake = lineage_bake(&bake_id)?;
            let next = bake.source_image.as_ref().map(|s| s.id.clone());
            ancestors.push(bake);
            match next {
                Some(next) => image = next,
                None => break,
            }
        }
        let mut descendants = Vec::new();
        let mut stack: Vec<(String, u32)> = vec![(image_id.to_string(), 1)];
        let mut seen_images = HashSet::new();
        while let Some((image, depth)) = stack.pop() {
            if !seen_images.insert(image.clone()) {
                continue;
            }
            let children = history.built_from(&image)?;
            // Depth first, oldest child first: push in reverse.
            let mut found = Vec::new();
            for bake_id in children {
                let bake = lineage_bake(&bake_id)?;
                let freshness = self.freshness(&image)?;
                for artifact in bake.artifacts.iter().rev() {
                    found.push((artifact.image_id.clone(), depth + 1));
                }
                descendants.push(Descendant {
                    depth,
                    bake,
                    freshness,
                });
            }
            stack.extend(found);
        }
        Ok(Lineage {
            image_id: image_id.to_string(),
            ancestors,
            descendants,
        })
    }

    /// Whether `image` is still the newest image its template made in its region.
    fn freshness(&self, image: &str) -> Result<SourceFreshness, AppError> {
        let history = self.history()?;
        let Some(producer) = history.produced_by(image)? else {
            return Ok(SourceFreshness::Unknown);
        };
        let detail = history.detail(&producer)?;
        let (Some(path), Some(artifact)) = (
            detail.bake.template_path.as_deref(),
            detail.artifacts.iter().find(|a| a.image_id == image),
        ) else {
            return Ok(SourceFreshness::Unknown);
        };
        match history.newest_image(path, detail.bake.build_name.as_deref(), &artifact.region)? {
            Some(newest) if newest != image => {
                let newest_bake = history.produced_by(&newest)?.unwrap_or_default();
                Ok(SourceFreshness::OutOfDate {
                    newest,
                    newest_bake,
                })
            }
            _ => Ok(SourceFreshness::UpToDate),
        }
    }

    /// The step times of a template's recent bakes (in one region when given), oldest first.
    pub fn trends(
        &self,
        template_path: &str,
        region: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StepTimes>, AppError> {
        Ok(self.history()?.step_times(template_path, region, limit)?)
    }

    /// The expected time of each step of a bake of `template_path` in `region`: the median
    /// of the last [`EXPECTED_FROM_BAKES`] bakes that ran it (succeeded or not).
    pub fn expected_steps(
        &self,
        template_path: &str,
        region: &str,
    ) -> Result<ExpectedSteps, AppError> {
        let times = self.trends(template_path, Some(region), EXPECTED_FROM_BAKES)?;
        let mut per_step: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for bake in &times {
            for (step, ms) in &bake.steps {
                per_step
                    .entry(step.clone())
                    .or_default()
                    .push(u64::try_from(*ms).unwrap_or_default());
            }
        }
        Ok(ExpectedSteps {
            bakes: u32::try_from(times.len()).unwrap_or(u32::MAX),
            steps: per_step
                .into_iter()
                .map(|(step, mut values)| {
                    values.sort_unstable();
                    (step, median(&values))
                })
                .collect(),
        })
    }

    /// Streams the finished bakes since `since` (all when `None`) to `each`, oldest first.
    pub fn export_history(
        &self,
        since: Option<&str>,
        each: impl FnMut(ExportedBake) -> Result<(), bakery_history::HistoryError>,
    ) -> Result<u32, AppError> {
        Ok(self.history()?.export(since, each)?)
    }

    /// Adds exported bakes (JSON lines); bakes already here are skipped. A malformed line
    /// is refused with its line number, before anything is added.
    pub fn import_history(&self, name: &str, text: &str) -> Result<ImportReport, AppError> {
        let mut bakes = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bake: ExportedBake =
                serde_json::from_str(line).map_err(|err| AppError::ImportLine {
                    file: name.to_string(),
                    line: index + 1,
                    column: err.column(),
                    message: err.to_string(),
                })?;
            bakes.push(bake);
        }
        let history = self.history()?;
        let mut report = ImportReport::default();
        for bake in &bakes {
            if history.import(bake)? {
                report.imported += 1;
            } else {
                report.skipped += 1;
            }
        }
        Ok(report)
    }

    /// Rebuilds the summaries of the bakes whose images are in the account (tagged
    /// `bakery:bake-id` at bake time, every region), with their images, template (file name),
    /// build and source image, so a second machine sees the same lineage. Bakes already here
    /// are skipped. What only the baking machine saw (steps, log, template text, variables)
    /// is not in the account and stays there.
    pub async fn import_from_account(
        &self,
        profile: Option<&str>,
        region: &str,
    ) -> Result<ImportReport, AppError> {
        let sdk =
            crate::credentials::sdk_config(&self.resolver()?, profile, region, self.environment())
                .await?;
        let regions = bakery_engine::cleanup::all_regions(&sdk, region).await?;
        let mut by_bake: BTreeMap<String, Vec<bakery_engine::catalog::TaggedImage>> =
            BTreeMap::new();
        for region in &regions {
            let ec2 = bakery_engine::ec2::Ec2::new(&sdk, region);
            for image in bakery_engine::catalog::tagged_images(&ec2).await? {
                by_bake
                    .entry(image.bake_id.clone())
                    .or_default()
                    .push(image);
            }
        }
        let history = self.history()?;
        let mut report = ImportReport::default();
        for (bake_id, mut images) in by_bake {
            // The build region's image is the first made; copies come after.
            images.sort_by(|a, b| a.created.cmp(&b.created).then(a.region.cmp(&b.region)));
            let first = &images[0];
            let last = &images[images.len() - 1];
            let bake = ExportedBake {
                detail: BakeDetail {
                    bake: BakeRecord {
                        id: bake_id.clone(),
                        template_path: first.template.clone(),
                        build_name: first.build.clone(),
                        profile: profile.map(str::to_string),
                        region: first.region.clone(),
                        status: BakeStatus::Succeeded,
                        started_at: first.created.clone(),
                        finished_at: Some(last.created.clone()),
                        error: None,
                    },
                    template_text: None,
                    template_hash: None,
                    variables: serde_json::json!({}),
                    account_id: first.owner_id.clone(),
                    host: None,
                    regions: images.iter().map(|i| i.region.clone()).collect(),
                    source_image: first.source_ami.clone().map(|id| SourceImage {
                        id,
                        ..SourceImage::default()
                    }),
                    steps: Vec::new(),
                    artifacts: images
                        .iter()
                        .map(|i| Artifact {
                            region: i.region.clone(),
                            image_id: i.image_id.clone(),
                            snapshot_ids: i.snapshot_ids.clone(),
                            encrypted: Some(i.encrypted),
                            shared_with: Vec::new(),
                        })
                        .collect(),
                    ledger: Vec::new(),
                },
                events: Vec::new(),
            };
            if history.import(&bake)? {
                report.imported += 1;
            } else {
                report.skipped += 1;
            }
        }
        Ok(report)
    }

    /// Drops the events of bakes finished before `before` (RFC 3339); see
    /// [`bakery_history::History::prune`].
    pub fn prune_history(&self, before: &str) -> Result<PruneReport, AppError> {
        Ok(self.history()?.prune(before)?)
    }
}

/// The median of sorted values (the lower middle for an even count); 0 for none.
fn median(sorted: &[u64]) -> u64 {
    match sorted.len() {
        0 => 0,
        n => sorted[(n - 1) / 2],
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_sorted_values() {
        assert_eq!(median(&[]), 0);
        assert_eq!(median(&[5]), 5);
        assert_eq!(median(&[1, 9]), 1);
        assert_eq!(median(&[1, 4, 9]), 4);
    }
}
