//! Masked comparison of two versions of a secret: which keys were added, removed or changed, never the
//! values. Used by the save summary, the conflict prompt, the history view and `sesame put`.

use super::SecretData;

/// Keys added, removed and changed between an old and a new version of a secret. Holds key names only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaskedDiff {
    /// Keys in the new version only, in the new version's order.
    pub added: Vec<String>,
    /// Keys in the old version only, in the old version's order.
    pub removed: Vec<String>,
    /// Keys in both whose value differs (JSON type changes count), in the new version's order.
    pub changed: Vec<String>,
    /// Keys in both with the same value, in the new version's order.
    pub unchanged: Vec<String>,
}

impl MaskedDiff {
    /// True when nothing was added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// `2 added, 1 removed, 1 changed`, or `no change`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> =
            [("added", &self.added), ("removed", &self.removed), ("changed", &self.changed)]
                .iter()
                .filter(|(_, keys)| !keys.is_empty())
                .map(|(what, keys)| format!("{} {what}", keys.len()))
                .collect();
        if parts.is_empty() { "no change".to_string() } else { parts.join(", ") }
    }

    /// One line per key that differs, `+ KEY`, `- KEY` or `~ KEY` (values are never shown).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.added.iter().map(|k| format!("+ {k}")));
        out.extend(self.removed.iter().map(|k| format!("- {k}")));
        out.extend(self.changed.iter().map(|k| format!("~ {k}")));
        out
    }
}

/// Compares `old` with `new` key by key; a value differs when its JSON text differs.
pub fn masked_diff(old: &SecretData, new: &SecretData) -> MaskedDiff {
    let mut diff = MaskedDiff::default();
    for (key, value) in &new.pairs {
        match old.get(key) {
            None => diff.added.push(key.clone()),
            Some(before) if before.json_text() != value.json_text() => diff.changed.push(key.clone()),
            Some(_) => diff.unchanged.push(key.clone()),
        }
    }
    diff.removed = old.keys().filter(|k| new.get(k).is_none()).map(str::to_string).collect();
    diff
}

/// True when both hold the same keys with the same JSON values, whatever the order.
pub fn same_data(a: &SecretData, b: &SecretData) -> bool {
    a.pairs.len() == b.pairs.len()
        && a.pairs.iter().all(|(k, v)| b.get(k).is_some_and(|w| w.json_text() == v.json_text()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_keys_only() {
        let old = SecretData::from_json_object(r#"{"A":"1","B":"secret-b","C":3,"D":"same"}"#).unwrap();
        let new = SecretData::from_json_object(r#"{"D":"same","B":"other","C":"3","E":"new"}"#).unwrap();
        let d = masked_diff(&old, &new);
        assert_eq!(d.added, ["E"]);
        assert_eq!(d.removed, ["A"]);
        assert_eq!(d.changed, ["B", "C"]);
        assert_eq!(d.unchanged, ["D"]);
        assert_eq!(d.summary(), "1 added, 1 removed, 2 changed");
        assert_eq!(d.lines(), ["+ E", "- A", "~ B", "~ C"]);
        let shown = format!("{d:?} {}", d.summary());
        assert!(!shown.contains("secret-b") && !shown.contains("other"));
        assert!(masked_diff(&old, &old).is_empty());
        assert_eq!(masked_diff(&old, &old).summary(), "no change");
    }

    #[test]
    fn same_data_ignores_order() {
        let a = SecretData::from_json_object(r#"{"A":"1","B":2}"#).unwrap();
        let b = SecretData::from_json_object(r#"{"B":2,"A":"1"}"#).unwrap();
        let c = SecretData::from_json_object(r#"{"B":"2","A":"1"}"#).unwrap();
        assert!(same_data(&a, &b));
        assert!(!same_data(&a, &c));
        assert!(!same_data(&a, &SecretData::default()));
    }
}
