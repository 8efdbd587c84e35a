//! Saving a secret as the editor and `sesame put` both do: the check-and-set write ([`Vault::write`]), then
//! the encoding records of the values loaded from files, then the key names of a key-only secret.
//!
//! # Encoding records
//! A value loaded from a binary file is stored base64-encoded, and the annotation `encoding.KEY` = `base64`
//! ([`crate::secret::annotation`]) says so. A value given as text forgets its key's record, and so does a
//! value that changed or went away since the secret was loaded. Failing to record an encoding is reported
//! (the data itself is saved); failing to tidy old records is only logged.

use super::annotations::{AnnotationStore, Changes, check_name};
use super::error::VaultError;
use super::kv::{Mount, Vault};
use super::modes::Modes;
use super::path::join;
use super::write::{Expected, Written};
use crate::secret::SecretData;
use crate::secret::annotation;
use crate::secret::file::Encoding;

/// The outcome of [`Vault::save`]: the write happened.
#[derive(Debug)]
pub struct Saved {
    /// The write itself.
    pub written: Written,
    /// Keys whose base64 encoding could not be recorded: the key is too long for an annotation name.
    pub unrecorded: Vec<String>,
    /// Recording the encodings failed (the data is saved): the error says so.
    pub records: Result<(), VaultError>,
}

impl Saved {
    /// The write, or the failure to record the encodings as an error (which says the data was saved).
    pub fn into_result(self) -> Result<Written, VaultError> {
        self.records.map(|()| self.written)
    }
}

impl Vault {
    /// Writes `data` at `path` if the secret is still as `expected` ([`Vault::write`]), then records the
    /// encodings of the values in `loaded` (the keys given in this save, with how their value was put into its
    /// string), forgets the records of keys that `before` (the data this save replaces) held and that changed
    /// or went away, and refreshes the key names of a key-only secret.
    ///
    /// Errors are the write's: after a successful write, everything is in [`Saved`].
    pub async fn save(
        &self,
        mount: &Mount,
        path: &str,
        data: &SecretData,
        expected: &Expected,
        before: Option<&SecretData>,
        loaded: &[(String, Encoding)],
    ) -> Result<Saved, VaultError> {
        let path = path.trim_matches('/');
        let written = self.write(mount, path, data, expected).await?;
        // One store for both, so a KV v1 registry is read once.
        let store = AnnotationStore::new(self.clone());
        let (records, unrecorded) = record_encodings(&store, mount, path, data, before, loaded).await;
        if !unrecorded.is_empty() {
            tracing::debug!(keys = unrecorded.len(), "key names too long for an encoding record");
        }
        // An admin saving a key-only secret refreshes the key names recorded for non-admins (a no-op otherwise).
        if let Err(e) = Modes::new(store).refresh_keys(mount, path).await {
            tracing::debug!(error = %e, "refreshing the key names of a key-only secret");
        }
        Ok(Saved { written, unrecorded, records })
    }
}

/// The changes to the encoding records a save makes: `Some(base64)` for values loaded as base64, `None` for
/// keys given as text and for keys of `before` that changed or went away. Also the keys too long to record.
pub fn encoding_changes(
    data: &SecretData,
    before: Option<&SecretData>,
    loaded: &[(String, Encoding)],
) -> (Changes, Vec<String>) {
    let mut changes = Changes::new();
    let mut unrecorded = Vec::new();
    for (key, encoding) in loaded {
        let name = annotation::encoding(key);
        if check_name(&name).is_err() {
            if *encoding == Encoding::Base64 {
                unrecorded.push(key.clone());
            }
            continue;
        }
        changes.insert(name, encoding.metadata_value().map(str::to_string));
    }
    for (key, old) in before.map(|b| b.pairs.as_slice()).unwrap_or_default() {
        let changed = data.get(key).is_none_or(|now| now.json_text() != old.json_text());
        let name = annotation::encoding(key);
        if changed && !loaded.iter().any(|(k, _)| k == key) && check_name(&name).is_ok() {
            changes.insert(name, None);
        }
    }
    (changes, unrecorded)
}

async fn record_encodings(
    store: &AnnotationStore,
    mount: &Mount,
    path: &str,
    data: &SecretData,
    before: Option<&SecretData>,
    loaded: &[(String, Encoding)],
) -> (Result<(), VaultError>, Vec<String>) {
    let (mut changes, unrecorded) = encoding_changes(data, before, loaded);
    if changes.is_empty() {
        return (Ok(()), unrecorded);
    }
    // Only what differs from the records: nothing is sent when they already say so.
    match store.get(mount, path).await {
        Ok(recorded) => changes.retain(|name, want| recorded.get(name) != want.as_ref()),
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the annotations to tidy encoding records");
            changes.retain(|_, want| want.is_some());
        }
    }
    if changes.is_empty() {
        return (Ok(()), unrecorded);
    }
    let setting = changes.values().any(Option::is_some);
    let result = match store.set(mount, path, &changes).await {
        Ok(_) => Ok(()),
        Err(e) if setting => Err(VaultError::Invalid(format!(
            "{} was saved, but recording which values are base64-encoded failed: {e}",
            join(&mount.path, path)
        ))),
        Err(e) => {
            tracing::debug!(error = %e, "cannot tidy encoding records");
            Ok(())
        }
    };
    (result, unrecorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(json: &str) -> SecretData {
        SecretData::from_json_object(json).unwrap()
    }

    #[test]
    fn changes_of_a_save() {
        let before = data(r#"{"A":"1","B":"2","C":"3","D":"4"}"#);
        let now = data(r#"{"A":"1","B":"changed","D":"4","BIN":"AAE="}"#);
        let loaded = vec![
            ("BIN".to_string(), Encoding::Base64),
            ("D".to_string(), Encoding::Text),
            ("K".repeat(200), Encoding::Base64),
        ];
        let (changes, unrecorded) = encoding_changes(&now, Some(&before), &loaded);
        let got: Vec<(&str, Option<&str>)> =
            changes.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
        assert_eq!(
            got,
            [
                ("encoding.B", None),
                ("encoding.BIN", Some("base64")),
                ("encoding.C", None),
                ("encoding.D", None)
            ]
        );
        assert_eq!(unrecorded, ["K".repeat(200)]);
        assert!(encoding_changes(&now, None, &[]).0.is_empty());
    }
}
