//! Packer's weak decoding of settings: `"true"` is a boolean, `"22"` a port, `8` a string, and
//! one string a list split at its commas (Packer's `StringToSliceHookFunc(",")`: `"111,222"` is
//! two accounts, `"us-east-1"` one region), because `{{user `x`}}` always renders to a string.
//!
//! Used through `#[serde(deserialize_with = "…")]` on the model's optional fields.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Go's `strconv.ParseBool`, plus the empty string as false (mapstructure's weak rule).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" | "" => Some(false),
        _ => None,
    }
}

pub fn to_bool(value: &Value) -> Result<Option<bool>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => Ok(Some(n.as_f64() != Some(0.0))),
        Value::String(s) => parse_bool(s)
            .map(Some)
            .ok_or_else(|| format!("expected true or false, got \"{s}\"")),
        other => Err(format!("expected true or false, got {}", describe(other))),
    }
}

pub fn to_integer(value: &Value) -> Result<Option<i64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        Value::Number(n) => n
            .as_i64()
            // Go's int64(f), as Packer's decoder does: 8.5 becomes 8 (the checker warns).
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            })
            .map(Some)
            .ok_or_else(|| format!("expected a whole number, got {n}")),
        Value::String(s) if s.is_empty() => Ok(Some(0)),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("expected a whole number, got \"{s}\"")),
        other => Err(format!("expected a whole number, got {}", describe(other))),
    }
}

pub fn to_string(value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(if *b { "1" } else { "0" }.to_string())),
        other => Err(format!("expected a string, got {}", describe(other))),
    }
}

pub fn to_strings(value: &Value) -> Result<Option<Vec<String>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|item| to_string(item).map(Option::unwrap_or_default))
            .collect::<Result<_, _>>()
            .map(Some)
            .map_err(|e| format!("in the list: {e}")),
        Value::Object(_) => Err("expected a list of strings, got an object".to_string()),
        // `"ami_users": "{{user `users`}}"` with an empty variable means no users.
        Value::String(s) if s.is_empty() => Ok(Some(Vec::new())),
        // As Packer's decoder: split at every comma, nothing trimmed.
        Value::String(s) => Ok(Some(s.split(',').map(str::to_string).collect())),
        single => to_string(single).map(|s| s.map(|s| vec![s])),
    }
}

pub fn to_map(value: &Value) -> Result<Option<BTreeMap<String, String>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Object(members) => members
            .iter()
            .map(|(k, v)| {
                to_string(v)
                    .map(|s| (k.clone(), s.unwrap_or_default()))
                    .map_err(|e| format!("\"{k}\": {e}"))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        other => Err(format!(
            "expected an object of \"key\": \"value\" pairs, got {}",
            describe(other)
        )),
    }
}

pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    to_bool(&Value::deserialize(d)?).map_err(D::Error::custom)
}

/// A list of exit codes (`valid_exit_codes`): numbers, numeric strings, or one
/// comma-separated string, as Packer's weak decoder reads them.
pub fn opt_u32s<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u32>>, D::Error> {
    let value = Value::deserialize(d)?;
    let items: Vec<Value> = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        Value::String(s) if s.is_empty() => return Ok(Some(Vec::new())),
        Value::String(s) => s.split(',').map(|p| Value::String(p.to_string())).collect(),
        single => vec![single],
    };
    items
        .iter()
        .map(|item| match to_integer(item) {
            Ok(Some(n)) => u32::try_from(n).map_err(|_| {
                D::Error::custom(format!("expected an exit code (0 to 255), got {n}"))
            }),
            Ok(None) => Err(D::Error::custom("expected an exit code, got null")),
            Err(e) => Err(D::Error::custom(format!("in the list: {e}"))),
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

pub fn opt_u16<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    match to_integer(&Value::deserialize(d)?).map_err(D::Error::custom)? {
        None => Ok(None),
        Some(n) => u16::try_from(n)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a port number (0 to 65535), got {n}"))),
    }
}

pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match to_integer(&Value::deserialize(d)?).map_err(D::Error::custom)? {
        None => Ok(None),
        Some(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a positive whole number, got {n}"))),
    }
}

pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    to_string(&Value::deserialize(d)?).map_err(D::Error::custom)
}

pub fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<crate::Secret>, D::Error> {
    Ok(opt_string(d)?.map(crate::Secret::new))
}

pub fn opt_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    to_strings(&Value::deserialize(d)?).map_err(D::Error::custom)
}

pub fn opt_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    to_map(&Value::deserialize(d)?).map_err(D::Error::custom)
}

pub fn opt_map_of_strings<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, Vec<String>>>, D::Error> {
    let value = Value::deserialize(d)?;
    match &value {
        Value::Null => Ok(None),
        Value::Object(members) => members
            .iter()
            .map(|(k, v)| {
                to_strings(v)
                    .map(|s| (k.clone(), s.unwrap_or_default()))
                    .map_err(|e| D::Error::custom(format!("\"{k}\": {e}")))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        other => Err(D::Error::custom(format!(
            "expected an object, got {}",
            describe(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_decode_as_booleans_and_numbers_like_packer() {
        assert_eq!(to_bool(&json!("true")), Ok(Some(true)));
        assert_eq!(to_bool(&json!("0")), Ok(Some(false)));
        assert_eq!(to_bool(&json!("")), Ok(Some(false)));
        assert!(to_bool(&json!("yes")).is_err());
        assert_eq!(to_integer(&json!("22")), Ok(Some(22)));
        assert_eq!(to_integer(&json!(22.0)), Ok(Some(22)));
        assert_eq!(to_integer(&json!(8.5)), Ok(Some(8)));
        assert!(to_integer(&json!("8.5")).is_err());
        assert!(to_integer(&json!("2x")).is_err());
    }

    #[test]
    fn scalars_decode_as_strings_and_one_string_as_a_list() {
        assert_eq!(to_string(&json!(8)), Ok(Some("8".into())));
        assert_eq!(
            to_strings(&json!("us-east-1")),
            Ok(Some(vec!["us-east-1".into()]))
        );
        assert_eq!(
            to_strings(&json!(["a", 1])),
            Ok(Some(vec!["a".into(), "1".into()]))
        );
        assert!(to_strings(&json!({"a": 1})).is_err());
        // One string with commas is a list, split as Packer splits it (nothing trimmed).
        assert_eq!(
            to_strings(&json!("111111111111,222222222222")),
            Ok(Some(vec!["111111111111".into(), "222222222222".into()]))
        );
        assert_eq!(
            to_strings(&json!("a, b")),
            Ok(Some(vec!["a".into(), " b".into()]))
        );
        assert_eq!(to_strings(&json!(7)), Ok(Some(vec!["7".into()])));
        assert_eq!(
            to_map(&json!({"Name": "x", "N": 1})).unwrap().unwrap()["N"],
            "1"
        );
        assert!(to_map(&json!(["a"])).is_err());
    }
}
