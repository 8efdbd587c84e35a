//! The domain of secret values: JSON-preserving, zeroized on drop, never printed by accident.
//!
//! A value is kept as the exact JSON text Vault returned (`"abc"`, `42`, `{"a":1}`), so non-string values
//! survive untouched, and that text lives in a [`Zeroizing`] buffer that is wiped when dropped.

pub mod annotation;
pub mod diff;
pub mod docker;
pub mod file;
pub mod rules;
pub mod ssh;
pub mod templates;
pub mod types;

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use zeroize::Zeroizing;

/// The mask shown instead of a value: a fixed width that says nothing of the value's length.
pub const MASK: &str = "••••••••";

/// One value of a secret, as JSON text.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue {
    raw: Zeroizing<String>,
}

impl SecretValue {
    /// Wraps JSON text (already validated as JSON by the caller).
    pub fn from_json_text(raw: &str) -> Self {
        Self { raw: Zeroizing::new(raw.trim().to_string()) }
    }

    /// A string value.
    pub fn from_string(s: &str) -> Self {
        let raw = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
        Self { raw: Zeroizing::new(raw) }
    }

    /// True when the JSON value is a string.
    pub fn is_string(&self) -> bool {
        self.raw.starts_with('"')
    }

    /// The JSON type's name, for the UI (`string`, `number`, `bool`, `object`, `array`, `null`).
    pub fn kind(&self) -> &'static str {
        match self.raw.as_bytes().first() {
            Some(b'"') => "string",
            Some(b'{') => "object",
            Some(b'[') => "array",
            Some(b't' | b'f') => "bool",
            Some(b'n') => "null",
            _ => "number",
        }
    }

    /// The value as a person reads it: strings unescaped, anything else as compact JSON.
    pub fn reveal(&self) -> Zeroizing<String> {
        if self.is_string() {
            match serde_json::from_str::<String>(&self.raw) {
                Ok(s) => Zeroizing::new(s),
                Err(_) => self.raw.clone(),
            }
        } else {
            match serde_json::from_str::<serde_json::Value>(&self.raw) {
                Ok(v) => Zeroizing::new(v.to_string()),
                Err(_) => self.raw.clone(),
            }
        }
    }

    /// The exact JSON text.
    pub fn json_text(&self) -> &str {
        &self.raw
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue({})", self.kind())
    }
}

/// The key/value pairs of a secret, in the order Vault returned them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretData {
    /// Pairs in server order (Vault sorts keys).
    pub pairs: Vec<(String, SecretValue)>,
}

impl fmt::Debug for SecretData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.pairs.iter().map(|(k, _)| k)).finish()
    }
}

impl SecretData {
    /// Parses a JSON object's text into pairs without building an intermediate `Value` for the values.
    pub fn from_json_object(text: &str) -> Result<Self, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let pairs = de.deserialize_map(PairsVisitor)?;
        de.end()?;
        Ok(Self { pairs })
    }

    /// Builds the data from a `serde_json` object (used for writes built by sesame itself).
    pub fn from_value(v: &serde_json::Value) -> Option<Self> {
        let obj = v.as_object()?;
        Some(Self {
            pairs: obj
                .iter()
                .map(|(k, v)| (k.clone(), SecretValue::from_json_text(&v.to_string())))
                .collect(),
        })
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }

    /// The value of one key.
    pub fn get(&self, key: &str) -> Option<&SecretValue> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The whole secret as pretty JSON text, zeroized on drop.
    pub fn to_json_pretty(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::from("{\n"));
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            let key = serde_json::to_string(k).unwrap_or_default();
            out.push_str("  ");
            out.push_str(&key);
            out.push_str(": ");
            out.push_str(v.json_text());
            if i + 1 < self.pairs.len() {
                out.push(',');
            }
            out.push('\n');
        }
        out.push('}');
        out
    }

    /// The whole secret as compact JSON text, zeroized on drop.
    pub fn to_json_compact(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::from("{"));
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(k).unwrap_or_default());
            out.push(':');
            out.push_str(v.json_text());
        }
        out.push('}');
        out
    }
}

struct PairsVisitor;

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<(String, SecretValue)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
            pairs.push((k, SecretValue::from_json_text(v.get())));
        }
        Ok(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_json_and_order() {
        let d = SecretData::from_json_object(r#"{"B":"x\ny","A":42,"C":{"n":true},"D":null}"#).unwrap();
        assert_eq!(d.keys().collect::<Vec<_>>(), ["B", "A", "C", "D"]);
        assert_eq!(&*d.get("B").unwrap().reveal(), "x\ny");
        assert_eq!(&*d.get("A").unwrap().reveal(), "42");
        assert_eq!(&*d.get("C").unwrap().reveal(), r#"{"n":true}"#);
        assert_eq!(d.get("C").unwrap().kind(), "object");
        assert_eq!(&*d.to_json_compact(), r#"{"B":"x\ny","A":42,"C":{"n":true},"D":null}"#);
    }

    #[test]
    fn debug_never_shows_values() {
        let d = SecretData::from_json_object(r#"{"PASSWORD":"hunter2"}"#).unwrap();
        let dbg = format!("{d:?} {:?}", d.get("PASSWORD").unwrap());
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("PASSWORD"));
    }

    #[test]
    fn mask_has_fixed_width() {
        assert_eq!(MASK.chars().count(), 8);
    }

    #[test]
    fn rejects_non_objects() {
        assert!(SecretData::from_json_object("[1]").is_err());
        assert!(SecretData::from_json_object("{").is_err());
    }
}
