//! Where inside a list setting a value fails to decode: `launch_block_device_mappings[1].volume_size`
//! rather than the whole `launch_block_device_mappings`, so the error is at the member's own
//! line and only that member is left out (the rest of the list is kept).
//!
//! The model's type is the oracle: a part is decoded alone, wrapped back into the setting
//! (`{"launch_block_device_mappings": [{"volume_size": "big"}]}`), and the search goes down
//! while a part fails on its own and its container decodes when empty.

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::json::{Node, Position};

/// One step down a value: an object's key or a list's index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Key(String),
    Index(usize),
}

/// A failing part of a setting: its steps below the setting and the decoder's message.
pub(super) struct Failure {
    pub steps: Vec<Step>,
    pub message: String,
}

/// Decodes `{key: value}` as `T`: `Err` holds the decoder's message (without serde's
/// "at line" suffix).
pub(super) fn decode_alone<T: DeserializeOwned>(key: &str, value: Json) -> Result<(), String> {
    let single: serde_json::Map<_, _> = [(key.to_string(), value)].into_iter().collect();
    serde_json::from_value::<T>(Json::Object(single))
        .map(|_| ())
        .map_err(|err| {
            let message = err.to_string();
            message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string()
        })
}

/// `leaf` wrapped back along `steps` (each container holding only that part).
fn wrap(steps: &[Step], leaf: Json) -> Json {
    steps.iter().rev().fold(leaf, |inner, step| match step {
        Step::Key(k) => Json::Object([(k.clone(), inner)].into_iter().collect()),
        Step::Index(_) => Json::Array(vec![inner]),
    })
}

/// The innermost parts of `setting[key]` (which fails to decode with `message`) that fail on
/// their own; the setting itself when no part does.
pub(super) fn failures<T: DeserializeOwned>(
    key: &str,
    value: &Json,
    message: String,
) -> Vec<Failure> {
    let mut out = Vec::new();
    descend::<T>(key, &mut Vec::new(), value, message, &mut out);
    out
}

fn descend<T: DeserializeOwned>(
    key: &str,
    steps: &mut Vec<Step>,
    value: &Json,
    message: String,
    out: &mut Vec<Failure>,
) {
    let (children, empty): (Vec<(Step, &Json)>, Json) = match value {
        Json::Array(items) => (
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Step::Index(i), v))
                .collect(),
            Json::Array(Vec::new()),
        ),
        Json::Object(map) => (
            map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
            Json::Object(serde_json::Map::new()),
        ),
        _ => (Vec::new(), Json::Null),
    };
    // Going down only makes sense where the container itself is fine when empty. A setting
    // that is an object (source_ami_filter, tags) is reported whole: only lists are searched,
    // and the objects in them (block device mappings).
    let searched = !steps.is_empty() || value.is_array();
    let before = out.len();
    if searched && !children.is_empty() && decode_alone::<T>(key, wrap(steps, empty)).is_ok() {
        for (step, child) in children {
            steps.push(step);
            if let Err(inner) = decode_alone::<T>(key, wrap(steps, child.clone())) {
                descend::<T>(key, steps, child, inner, out);
            }
            steps.pop();
        }
    }
    if out.len() == before {
        out.push(Failure {
            steps: steps.clone(),
            message,
        });
    }
}

/// Removes the parts at `paths` from `value` (later list items first, so earlier indices
/// stay right).
pub(super) fn remove_all(value: &mut Json, paths: &mut [Vec<Step>]) {
    paths.sort();
    for steps in paths.iter().rev() {
        let Some((last, parent)) = steps.split_last() else {
            continue;
        };
        let Some(container) = parent
            .iter()
            .try_fold(&mut *value, |c, step| match (step, c) {
                (Step::Key(k), Json::Object(map)) => map.get_mut(k),
                (Step::Index(i), Json::Array(items)) => items.get_mut(*i),
                _ => None,
            })
        else {
            continue;
        };
        match (last, container) {
            (Step::Key(k), Json::Object(map)) => {
                map.remove(k);
            }
            (Step::Index(i), Json::Array(items)) if *i < items.len() => {
                items.remove(*i);
            }
            _ => {}
        }
    }
}

/// Where the part at `steps` below `node` is written (the deepest part the tree has).
pub(super) fn position(node: &Node, steps: &[Step]) -> Position {
    let mut current = node;
    for step in steps {
        let next = match step {
            Step::Key(k) => current.get(k).map(|m| &m.value),
            Step::Index(i) => current.items().and_then(|items| items.get(*i)),
        };
        match next {
            Some(next) => current = next,
            None => break,
        }
    }
    current.at
}

/// `steps` as a field path's tail: `[1].volume_size`.
pub(super) fn suffix(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => format!(".{k}"),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AmazonEbs;
    use serde_json::json;

    #[test]
    fn the_failing_member_is_found_and_removed_alone() {
        let value = json!([
            {"device_name": "/dev/xvda", "volume_size": 8},
            {"device_name": "/dev/xvdb", "volume_size": "big", "volume_type": "gp3"}
        ]);
        let found = failures::<AmazonEbs>("launch_block_device_mappings", &value, "x".into());
        assert_eq!(found.len(), 1);
        assert_eq!(suffix(&found[0].steps), "[1].volume_size");
        assert!(found[0].message.contains("big"), "{}", found[0].message);

        let mut value = value;
        let mut paths: Vec<Vec<Step>> = found.into_iter().map(|f| f.steps).collect();
        remove_all(&mut value, &mut paths);
        assert_eq!(
            value[1],
            json!({"device_name": "/dev/xvdb", "volume_type": "gp3"})
        );

        let found = failures::<AmazonEbs>("ami_regions", &json!(["a", {}, "b"]), "x".into());
        assert_eq!(suffix(&found[0].steps), "[1]");
        // An object setting is reported whole.
        let filter = json!({"owners": ["1"], "most_recent": "maybe"});
        let found = failures::<AmazonEbs>("source_ami_filter", &filter, "whole".into());
        assert_eq!(suffix(&found[0].steps), "");
        // A scalar of the wrong type is the setting itself.
        let found = failures::<AmazonEbs>("ami_regions", &json!(5), "whole".into());
        assert_eq!(
            (suffix(&found[0].steps), found[0].message.as_str()),
            (String::new(), "whole")
        );
    }
}
