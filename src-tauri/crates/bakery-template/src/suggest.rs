//! "Did you mean …?": the closest known name to a misspelt one.

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&word_lower, candidate);
        // A swapped pair of letters or a missing underscore should always be found.
        let edits = strsim::damerau_levenshtein(&word_lower, candidate);
        let close = score >= 0.85 || edits <= 2.min(candidate.len() / 3).max(1);
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &[
        "region",
        "source_ami",
        "source_ami_filter",
        "instance_type",
        "ami_name",
        "ssh_username",
    ];

    #[test]
    fn typos_find_the_intended_key() {
        assert_eq!(did_you_mean("regoin", KEYS.iter().copied()), Some("region"));
        assert_eq!(
            did_you_mean("instance-type", KEYS.iter().copied()),
            Some("instance_type")
        );
        assert_eq!(
            did_you_mean("ssh_user", KEYS.iter().copied()),
            Some("ssh_username")
        );
        assert_eq!(
            did_you_mean("AMI_NAME", KEYS.iter().copied()),
            Some("ami_name")
        );
        assert_eq!(
            did_you_mean("source_ami_filters", KEYS.iter().copied()),
            Some("source_ami_filter")
        );
    }

    #[test]
    fn unrelated_words_get_no_suggestion() {
        assert_eq!(did_you_mean("playbook_file", KEYS.iter().copied()), None);
        assert_eq!(did_you_mean("x", KEYS.iter().copied()), None);
    }
}
