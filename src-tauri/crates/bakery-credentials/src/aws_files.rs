//! The user's AWS shared files (`~/.aws/config`, `~/.aws/credentials`): where they are,
//! a read-only parse that remembers the line every section and key comes from, and the one
//! edit we ever make to them (removing a profile's static keys).
//!
//! Invariant: we never re-serialize a user's file. An edit deletes whole lines of one
//! section and keeps every other byte (comments, blank lines, order, line endings).

use std::path::{Path, PathBuf};

use crate::error::CredentialsError;

/// The keys that hold static credentials; `remove_static_keys` deletes exactly these.
pub const STATIC_KEY_NAMES: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

/// Where the two shared files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFiles {
    /// The config file (`AWS_CONFIG_FILE`, else `~/.aws/config`).
    pub config: PathBuf,
    /// The credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`).
    pub credentials: PathBuf,
    /// `~/.aws/sso/cache`: SSO tokens, shared with the AWS CLI (always under HOME).
    pub sso_cache: PathBuf,
}

impl AwsFiles {
    /// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and
    /// `~/.aws/credentials` under `HOME`; the SSO cache is `~/.aws/sso/cache`.
    pub fn from_env() -> Self {
        Self::resolve(|name| std::env::var(name).ok(), home_dir())
    }

    /// Resolves from an environment lookup and a home directory (testable).
    pub fn resolve(env: impl Fn(&str) -> Option<String>, home: Option<PathBuf>) -> Self {
        let home = home.unwrap_or_else(|| PathBuf::from("."));
        let pick = |var: &str, default: &str| match env(var).filter(|v| !v.is_empty()) {
            Some(value) => expand_tilde(&value, &home),
            None => home.join(".aws").join(default),
        };
        Self {
            config: pick("AWS_CONFIG_FILE", "config"),
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
            sso_cache: home.join(".aws").join("sso").join("cache"),
        }
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("USERPROFILE").map(PathBuf::from))
}

fn expand_tilde(value: &str, home: &Path) -> PathBuf {
    match value.strip_prefix("~/").or(value.strip_prefix("~\\")) {
        Some(rest) => home.join(rest),
        None if value == "~" => home.to_path_buf(),
        None => PathBuf::from(value),
    }
}

/// Which of the two files a text came from: their section headers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `[default]`, `[profile NAME]`, `[sso-session NAME]`, `[services NAME]`.
    Config,
    /// `[NAME]`.
    Credentials,
}

/// What a section of a shared file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// `[profile NAME]` or `[default]` in the config file, `[NAME]` in the credentials file.
    Profile,
    /// `[sso-session NAME]`: a sign-in several SSO profiles share.
    SsoSession,
    /// `[services ...]`, or a config-file section without the `profile ` prefix (which the
    /// AWS CLI ignores too).
    Ignored,
}

/// One `key = value` line (the key lower-cased, the value trimmed, an inline comment cut).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The key, lower-cased.
    pub key: String,
    /// The value, trimmed, its inline comment cut.
    pub value: String,
    /// Its line, from 1.
    pub line: usize,
}

/// One `[...]` section of a shared file, with its properties in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// What it is.
    pub kind: SectionKind,
    /// The name in its header (`default`, the profile's or the sso-session's).
    pub name: String,
    /// 1-based line of the `[...]` header.
    pub line: usize,
    /// Its `key = value` lines, in file order.
    pub properties: Vec<Property>,
}

impl Section {
    /// The line of `key` in this section; the last one when it is repeated, as in the AWS
    /// CLI.
    pub fn get(&self, key: &str) -> Option<&Property> {
        self.properties.iter().rev().find(|p| p.key == key)
    }
}

/// Reads a shared file; a missing file is an empty one.
pub fn read(path: &Path, kind: FileKind) -> Result<Vec<Section>, CredentialsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(parse(&text, kind)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(CredentialsError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses a shared file. Lenient like the AWS CLI: lines it cannot read are skipped.
pub fn parse(text: &str, kind: FileKind) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<usize> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some((section_kind, name)) = header(trimmed, kind) {
            current = Some(sections.len());
            sections.push(Section {
                kind: section_kind,
                name,
                line: line_no,
                properties: Vec::new(),
            });
            continue;
        }
        // An indented line continues the previous key (a nested `s3 =` block): not a
        // property of the profile itself.
        if raw.starts_with([' ', '\t']) {
            continue;
        }
        let (Some(section), Some((key, value))) = (current, trimmed.split_once('=')) else {
            continue;
        };
        sections[section].properties.push(Property {
            key: key.trim().to_ascii_lowercase(),
            value: strip_inline_comment(value.trim()).to_string(),
            line: line_no,
        });
    }
    sections
}

fn header(trimmed: &str, kind: FileKind) -> Option<(SectionKind, String)> {
    let inner = trimmed.strip_prefix('[')?;
    let inner = inner[..inner.find(']')?].trim();
    if kind == FileKind::Credentials {
        return Some((SectionKind::Profile, inner.to_string()));
    }
    if inner == "default" {
        return Some((SectionKind::Profile, inner.to_string()));
    }
    let word = |prefix: &str| {
        inner
            .strip_prefix(prefix)
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map(|rest| rest.trim().to_string())
    };
    if let Some(name) = word("profile") {
        return Some((SectionKind::Profile, name));
    }
    if let Some(name) = word("sso-session") {
        return Some((SectionKind::SsoSession, name));
    }
    Some((SectionKind::Ignored, inner.to_string()))
}

fn strip_inline_comment(value: &str) -> &str {
    let cut = value
        .char_indices()
        .find(|&(i, c)| (c == '#' || c == ';') && value[..i].ends_with([' ', '\t']) && i > 0)
        .map(|(i, _)| i);
    match cut {
        Some(i) => value[..i].trim_end(),
        None => value,
    }
}

/// Removes the static-key lines (`aws_access_key_id`, `aws_secret_access_key`,
/// `aws_session_token`) of credentials-file profile `profile`, keeping every other byte.
/// Returns the new text and how many lines went.
pub fn remove_static_keys(text: &str, profile: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut in_profile = false;
    let mut removed = 0;
    // Set after a removed key: its indented continuation lines go with it.
    let mut in_removed_value = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let indented = line.starts_with([' ', '\t']) && !trimmed.is_empty();
        if in_removed_value && indented && !trimmed.starts_with(['#', ';']) {
            removed += 1;
            continue;
        }
        in_removed_value = false;
        if let Some((_, name)) = header(trimmed, FileKind::Credentials) {
            in_profile = name == profile;
        } else if in_profile && !indented {
            let key = trimmed
                .split_once('=')
                .map(|(key, _)| key.trim().to_ascii_lowercase());
            if key.is_some_and(|k| STATIC_KEY_NAMES.contains(&k.as_str())) {
                removed += 1;
                in_removed_value = true;
                continue;
            }
        }
        out.push_str(line);
    }
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# my config
[default]
region = eu-west-1 # where I live
output=json

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = default
s3 =
  addressing_style = path

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start

[services local]
ec2 =
  endpoint_url = http://localhost:5000

[orphan]
region = us-east-1
";

    #[test]
    fn config_sections_and_properties_with_lines() {
        let sections = parse(CONFIG, FileKind::Config);
        let names: Vec<_> = sections.iter().map(|s| (s.kind, s.name.as_str())).collect();
        assert_eq!(
            names,
            [
                (SectionKind::Profile, "default"),
                (SectionKind::Profile, "dev"),
                (SectionKind::SsoSession, "corp"),
                (SectionKind::Ignored, "services local"),
                (SectionKind::Ignored, "orphan"),
            ]
        );
        let default = &sections[0];
        assert_eq!(default.line, 2);
        assert_eq!(default.get("region").unwrap().value, "eu-west-1");
        assert_eq!(default.get("output").unwrap().value, "json");
        let dev = &sections[1];
        assert_eq!(dev.get("source_profile").unwrap().line, 8);
        assert_eq!(dev.get("s3").unwrap().value, "");
        assert!(dev.get("addressing_style").is_none());
    }

    #[test]
    fn credentials_headers_have_no_prefix() {
        let sections = parse(
            "[profile x]\naws_access_key_id=AKIA\n[y]\nAWS_Secret_Access_Key = s#not-a-comment\n",
            FileKind::Credentials,
        );
        assert_eq!(sections[0].name, "profile x");
        assert_eq!(sections[1].name, "y");
        assert_eq!(
            sections[1].get("aws_secret_access_key").unwrap().value,
            "s#not-a-comment"
        );
    }

    #[test]
    fn env_overrides_and_tilde() {
        let home = PathBuf::from("/home/u");
        let files = AwsFiles::resolve(|_| None, Some(home.clone()));
        assert_eq!(files.config, PathBuf::from("/home/u/.aws/config"));
        assert_eq!(files.credentials, PathBuf::from("/home/u/.aws/credentials"));
        assert_eq!(files.sso_cache, PathBuf::from("/home/u/.aws/sso/cache"));
        let files = AwsFiles::resolve(
            |name| match name {
                "AWS_CONFIG_FILE" => Some("~/cfg".into()),
                "AWS_SHARED_CREDENTIALS_FILE" => Some("/etc/creds".into()),
                _ => None,
            },
            Some(home),
        );
        assert_eq!(files.config, PathBuf::from("/home/u/cfg"));
        assert_eq!(files.credentials, PathBuf::from("/etc/creds"));
    }

    #[test]
    fn removing_keys_keeps_every_other_byte() {
        let text = "# keys\r\n[default]\r\naws_access_key_id = A\r\n\r\n; work account\n[work]\n# rotated 2026-01\naws_access_key_id=AKIAWORK\naws_secret_access_key = s3cr3t\n  continued\nregion = us-east-1 # keep\naws_session_token=tok\n[other]\naws_access_key_id = B\n";
        let (out, removed) = remove_static_keys(text, "work");
        assert_eq!(removed, 4);
        assert_eq!(
            out,
            "# keys\r\n[default]\r\naws_access_key_id = A\r\n\r\n; work account\n[work]\n# rotated 2026-01\nregion = us-east-1 # keep\n[other]\naws_access_key_id = B\n"
        );
        let (same, none) = remove_static_keys(text, "absent");
        assert_eq!((same.as_str(), none), (text, 0));
    }
}
