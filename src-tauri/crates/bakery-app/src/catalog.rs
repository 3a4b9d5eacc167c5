//! The template editor's pickers: what the active profile's account offers in a region
//! (images by owner and name, instance types, VPCs, subnets and security groups), read-only
//! and cached per profile and region until the person refreshes; and what a template's
//! source image resolves to in each build's region, with its newest alternatives.
//! A lookup that fails (no permission, offline) is an error of that picker only.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;

use bakery_engine::SourceImage;
use bakery_engine::catalog::{self, ImageChoice, InstanceTypeChoice, KmsKeyChoice, NetworkChoices};
use bakery_engine::ec2::Ec2;
use serde::{Deserialize, Serialize};

use crate::bake::Bakery;
use crate::credentials::sdk_config;
use crate::editor::EditorFile;
use crate::error::AppError;
use crate::plan::{PlanOptions, plan};
use crate::template::{TemplateText, VariableValues, check_text};

/// How many images a search shows.
const IMAGES_SHOWN: usize = 50;
/// How many newer alternatives a resolved source image lists.
const ALTERNATIVES: usize = 5;

/// A source-image search: who owns it and what its name looks like.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImageQuery {
    /// `amazon`, `self`, an account id (Canonical is `099720109477`); empty: any owner.
    pub owner: String,
    /// A name pattern with `*` wildcards, e.g. `al2023-ami-2023.*-x86_64`; empty: any.
    pub name: String,
    /// `x86_64` or `arm64`; empty: any.
    pub architecture: String,
}

/// What a build's source image is in its region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SourceResolution {
    /// The build.
    pub build: String,
    /// Its region.
    pub region: String,
    /// `source_ami_filter` (true) or a pinned `source_ami` (false).
    pub by_filter: bool,
    /// The image the bake would start from, when one matches.
    pub image: Option<ImageChoice>,
    /// Other images the filter matches, newest first (for a filter only).
    pub alternatives: Vec<ImageChoice>,
    /// Why it could not be looked up (no permission, offline, no match).
    pub error: Option<String>,
}

/// Where an image a bake produced stands in the account now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImageStanding {
    /// The image's region.
    pub region: String,
    /// The image.
    pub image_id: String,
    /// EC2's state (`available`, `pending`, `failed`, `disabled`, `deregistered`), or
    /// `missing` when the account no longer lists it (deregistered and gone).
    pub state: Option<String>,
    /// Why it could not be asked (no permission, offline, another account's profile).
    pub error: Option<String>,
}

enum Cached {
    Regions(Vec<String>),
    Images(Vec<ImageChoice>),
    Types(Vec<InstanceTypeChoice>),
    Network(NetworkChoices),
    KmsKeys(Vec<KmsKeyChoice>),
}

/// The pickers' lookups, cached per profile, region and question.
#[derive(Default)]
pub struct Catalog {
    cache: Mutex<HashMap<String, Cached>>,
}

impl Catalog {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn cached<T>(&self, key: &str, pick: impl Fn(&Cached) -> Option<T>) -> Option<T> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).and_then(pick)
    }

    fn store(&self, key: String, value: Cached) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(key, value);
    }

    async fn ec2(bakery: &Bakery, profile: Option<&str>, region: &str) -> Result<Ec2, AppError> {
        let sdk = sdk_config(&bakery.resolver()?, profile, region, bakery.environment()).await?;
        Ok(Ec2::new(&sdk, region))
    }

    /// Where each image a bake produced stands in the account now (asked now, never
    /// cached): one answer per image, an error per image when its region cannot be asked.
    pub async fn image_standings(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        images: &[(String, String)],
    ) -> Vec<ImageStanding> {
        let mut out = Vec::with_capacity(images.len());
        for (region, image_id) in images {
            let answer = match Self::ec2(bakery, profile, region).await {
                Ok(ec2) => ec2.image(image_id).await.map_err(AppError::from),
                Err(err) => Err(err),
            };
            let (state, error) = match answer {
                Ok(Some(image)) => (
                    Some(image.state().map_or("unknown", |s| s.as_str()).to_string()),
                    None,
                ),
                Ok(None) => (Some("missing".to_string()), None),
                Err(err) if err.to_string().contains("InvalidAMIID.NotFound") => {
                    (Some("missing".to_string()), None)
                }
                Err(err) => (None, Some(err.to_string())),
            };
            out.push(ImageStanding {
                region: region.clone(),
                image_id: image_id.clone(),
                state,
                error,
            });
        }
        out
    }

    /// Images matching `query` in `region`, newest first.
    pub async fn images(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        region: &str,
        query: &ImageQuery,
        refresh: bool,
    ) -> Result<Vec<ImageChoice>, AppError> {
        let key = format!("{profile:?}|{region}|images|{query:?}");
        if !refresh
            && let Some(hit) = self.cached(&key, |c| match c {
                Cached::Images(v) => Some(v.clone()),
                _ => None,
            })
        {
            return Ok(hit);
        }
        let ec2 = Self::ec2(bakery, profile, region).await?;
        let owners: Vec<String> = Some(query.owner.trim().to_string())
            .filter(|o| !o.is_empty())
            .into_iter()
            .collect();
        let mut filters = BTreeMap::new();
        if !query.name.trim().is_empty() {
            filters.insert("name".to_string(), vec![query.name.trim().to_string()]);
        }
        if !query.architecture.trim().is_empty() {
            filters.insert(
                "architecture".to_string(),
                vec![query.architecture.trim().to_string()],
            );
        }
        let found = catalog::images(&ec2, &owners, &filters, IMAGES_SHOWN).await?;
        self.store(key, Cached::Images(found.clone()));
        Ok(found)
    }

    /// The instance types `region` offers.
    pub async fn instance_types(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        region: &str,
        refresh: bool,
    ) -> Result<Vec<InstanceTypeChoice>, AppError> {
        let key = format!("{profile:?}|{region}|types");
        if !refresh
            && let Some(hit) = self.cached(&key, |c| match c {
                Cached::Types(v) => Some(v.clone()),
                _ => None,
            })
        {
            return Ok(hit);
        }
        let ec2 = Self::ec2(bakery, profile, region).await?;
        let found = catalog::instance_types(&ec2).await?;
        self.store(key, Cached::Types(found.clone()));
        Ok(found)
    }

    /// The regions the account can use (asked in `region`).
    pub async fn regions(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        region: &str,
        refresh: bool,
    ) -> Result<Vec<String>, AppError> {
        let key = format!("{profile:?}|regions");
        if !refresh
            && let Some(hit) = self.cached(&key, |c| match c {
                Cached::Regions(v) => Some(v.clone()),
                _ => None,
            })
        {
            return Ok(hit);
        }
        let ec2 = Self::ec2(bakery, profile, region).await?;
        let found = catalog::regions(&ec2).await?;
        self.store(key, Cached::Regions(found.clone()));
        Ok(found)
    }

    /// The VPCs, subnets and security groups of `region`.
    pub async fn network(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        region: &str,
        refresh: bool,
    ) -> Result<NetworkChoices, AppError> {
        let key = format!("{profile:?}|{region}|network");
        if !refresh
            && let Some(hit) = self.cached(&key, |c| match c {
                Cached::Network(v) => Some(v.clone()),
                _ => None,
            })
        {
            return Ok(hit);
        }
        let ec2 = Self::ec2(bakery, profile, region).await?;
        let found = catalog::network(&ec2).await?;
        self.store(key, Cached::Network(found.clone()));
        Ok(found)
    }

    /// The KMS keys of `region` that can encrypt the image (`kms_key_id`): the default EBS
    /// key first, then the account's own symmetric keys.
    pub async fn kms_keys(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        region: &str,
        refresh: bool,
    ) -> Result<Vec<KmsKeyChoice>, AppError> {
        let key = format!("{profile:?}|{region}|kms");
        if !refresh
            && let Some(hit) = self.cached(&key, |c| match c {
                Cached::KmsKeys(v) => Some(v.clone()),
                _ => None,
            })
        {
            return Ok(hit);
        }
        let sdk = sdk_config(&bakery.resolver()?, profile, region, bakery.environment()).await?;
        let found = catalog::kms_keys(&sdk, region).await?;
        self.store(key, Cached::KmsKeys(found.clone()));
        Ok(found)
    }

    /// What each build's source image (a filter or a pinned id) is in its region, planned
    /// from the editor's text as it is now.
    pub async fn resolve_sources(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        path: &Path,
        files: &[EditorFile],
    ) -> Result<Vec<SourceResolution>, AppError> {
        let env = bakery.environment();
        let checked = if path.is_dir() {
            let sources: Vec<(String, String)> = files
                .iter()
                .map(|f| (f.path.clone(), f.text.clone()))
                .collect();
            let folder = crate::template::hcl_folder(path)?;
            let text = TemplateText::Folder {
                files: &sources,
                var_files: &folder.var_files,
            };
            check_text(path, &text, &VariableValues::default(), false, env)?
        } else {
            let text = files.first().map(|f| f.text.as_str()).unwrap_or_default();
            check_text(
                path,
                &TemplateText::File(text),
                &VariableValues::default(),
                false,
                env,
            )?
        };
        let planned = plan(path, checked, &PlanOptions::default(), env)?;
        let mut out = Vec::new();
        for spec in &planned.specs {
            let mut resolution = SourceResolution {
                build: spec.build_name.clone(),
                region: spec.region.clone(),
                by_filter: matches!(spec.source, Some(SourceImage::Filter { .. })),
                image: None,
                alternatives: Vec::new(),
                error: None,
            };
            let found = match &spec.source {
                None => Err("no source image: set source_ami or source_ami_filter".to_string()),
                Some(source) => self
                    .source_images(bakery, profile, &spec.region, source)
                    .await
                    .map_err(|e| e.to_string()),
            };
            match found {
                Ok(mut images) if !images.is_empty() => {
                    resolution.image = Some(images.remove(0));
                    images.truncate(ALTERNATIVES);
                    resolution.alternatives = images;
                }
                Ok(_) => {
                    resolution.error = Some(format!(
                        "no image matches in {}: loosen the filter, check the owners, or the region",
                        spec.region
                    ))
                }
                Err(err) => resolution.error = Some(err),
            }
            out.push(resolution);
        }
        Ok(out)
    }

    async fn source_images(
        &self,
        bakery: &Bakery,
        profile: Option<&str>,
        region: &str,
        source: &SourceImage,
    ) -> Result<Vec<ImageChoice>, AppError> {
        let ec2 = Self::ec2(bakery, profile, region).await?;
        Ok(match source {
            SourceImage::Id(id) => catalog::image(&ec2, id).await?.into_iter().collect(),
            SourceImage::Filter {
                filters, owners, ..
            } => catalog::images(&ec2, owners, filters, IMAGES_SHOWN).await?,
        })
    }
}
