//! [`Secret`]: a value that must never be shown: Debug, Display and serialization print `***`.
//!
//! Reading the value is explicit ([`Secret::expose`]), so a secret reaches a log, an event, the
//! history or the webview only when someone writes `expose()` on purpose.

use std::fmt;

/// A secret key, password or sensitive variable's value.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value so it is never shown.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value itself: only for the code that uses it (signing a request, a login).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> serde::Serialize for Secret<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

/// A secret is written like its value (a string) in a template.
impl<T: schemars::JsonSchema> schemars::JsonSchema for Secret<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed_or_serialized() {
        let key = Secret::new("wJalrXUtnFEMI".to_string());
        assert_eq!(format!("{key}"), "***");
        assert_eq!(format!("{key:?}"), "***");
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"***\"");
        assert_eq!(key.expose(), "wJalrXUtnFEMI");
        let read: Secret<String> = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(read.expose(), "abc");
    }
}
