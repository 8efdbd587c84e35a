//! Annotations: the per-secret facts sesame records beside a secret's data (its type now; later the
//! environment-injection flag and the admin modes), with one API over both KV engines.
//!
//! An annotation is a `name → value` string pair; names are given without the `sesame.` prefix (`type`, not
//! `sesame.type`).
//!
//! # KV v2: `custom_metadata`
//! Stored in the secret's `custom_metadata` under `sesame.<name>`. Changes are sent as a JSON merge patch
//! (`PATCH <mount>/metadata/<path>`), so keys written by other tools survive; where the server refuses PATCH,
//! sesame falls back to read-modify-write (POST of the whole map, other keys included). The server's limits
//! apply to the whole map, other tools' keys included: at most [`MAX_KEYS`] keys, names of at most
//! [`MAX_KEY_LEN`] bytes (prefix included) and values of at most [`MAX_VALUE_LEN`] bytes. sesame checks them
//! before sending and says which limit a change would break. Annotating a KV v2 path that has no metadata is an
//! error ([`VaultError::NotFound`]): write the secret first, or the metadata would make an empty secret appear.
//!
//! # KV v1: one hidden registry secret per mount
//! KV v1 has no metadata, so a mount's annotations live in one secret, [`REGISTRY_PATH`]
//! (`<mount>/.sesame/annotations`, hidden like every dot name), whose keys are secret paths and whose values
//! are JSON objects of annotations. It is read once per mount and cached ([`AnnotationStore::refresh`] forgets
//! the cache). KV v1 has no check-and-set, so a change is written with compare-before-write: the registry is
//! read again, the change applied to what is there now (changes are per key, so a concurrent writer's changes
//! to other keys or paths are kept), the registry re-read and compared just before the write, and read back a
//! moment after the write to check the change is still there (retrying otherwise). This narrows the window for
//! a lost update to a writer whose request reaches the server more than that moment after ours; KV v1 allows
//! no better. The same limits as KV v2 apply, so both engines behave alike. Entries of the registry that
//! sesame cannot read are kept as they are.
//!
//! # Moves and copies
//! [`AnnotationStore::copy_annotations`], [`AnnotationStore::remove`] and
//! [`AnnotationStore::move_annotations`] carry annotations along when a secret is copied, deleted or moved,
//! across mounts and engines. KV v2 to KV v2 copies of the whole custom_metadata already carry them; these
//! are needed whenever a KV v1 mount is involved.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::{self, StreamExt};
use rand::Rng as _;
use serde_json::{Map, Value, json};

use super::error::VaultError;
use super::kv::{KvVersion, Mount, Vault, encode_path};
use super::walk::{WalkOptions, walk};
use super::write::{join, relabel};

/// The prefix of sesame's keys in KV v2 `custom_metadata` ([`crate::secret::annotation::PREFIX`]).
pub use crate::secret::annotation::PREFIX;

/// The KV v1 registry secret, relative to the mount.
pub const REGISTRY_PATH: &str = ".sesame/annotations";

/// At most this many `custom_metadata` keys per secret (all tools together).
pub const MAX_KEYS: usize = 64;

/// At most this many bytes in a `custom_metadata` key, prefix included.
pub const MAX_KEY_LEN: usize = 128;

/// At most this many bytes in a `custom_metadata` value.
pub const MAX_VALUE_LEN: usize = 512;

/// Attempts of a KV v1 registry update before giving up on a registry that keeps changing.
const V1_ATTEMPTS: usize = 8;

/// Requests in flight at most when reading every secret's metadata ([`AnnotationStore::all`] on KV v2).
const METADATA_CONCURRENCY: usize = 16;

/// A secret's annotations: name (without prefix) → value.
pub type Annotations = BTreeMap<String, String>;

/// A KV v1 registry's data: secret path → JSON object of annotations.
type Registry = Map<String, Value>;

/// Changes to a secret's annotations: `Some(value)` sets a name, `None` removes it.
pub type Changes = BTreeMap<String, Option<String>>;

/// Checks an annotation name (without prefix): letters, digits, `.`, `_`, `-`; the prefixed name within
/// [`MAX_KEY_LEN`].
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an annotation name cannot be empty".into());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(format!("annotation name {name:?}: use letters, digits, '.', '_' and '-'"));
    }
    if PREFIX.len() + name.len() > MAX_KEY_LEN {
        return Err(format!(
            "annotation name {name:?} is too long: {PREFIX}{name} has {} bytes, custom_metadata allows {MAX_KEY_LEN}",
            PREFIX.len() + name.len()
        ));
    }
    Ok(())
}

/// Checks an annotation value: not empty (remove the annotation instead), no control character, at most
/// [`MAX_VALUE_LEN`] bytes.
pub fn check_value(name: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!(
            "annotation {name:?}: an empty value is not stored; remove the annotation instead"
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("annotation {name:?}: the value contains a control character"));
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(format!(
            "annotation {name:?}: the value has {} bytes, custom_metadata allows {MAX_VALUE_LEN}",
            value.len()
        ));
    }
    Ok(())
}

fn check_changes(changes: &Changes) -> Result<(), VaultError> {
    for (name, value) in changes {
        check_name(name).map_err(VaultError::Invalid)?;
        if let Some(v) = value {
            check_value(name, v).map_err(VaultError::Invalid)?;
        }
    }
    Ok(())
}

/// Applies changes to a map of annotations; true when something changed.
pub fn apply_changes(current: &mut Annotations, changes: &Changes) -> bool {
    let mut changed = false;
    for (k, v) in changes {
        match v {
            Some(v) => {
                if current.get(k) != Some(v) {
                    current.insert(k.clone(), v.clone());
                    changed = true;
                }
            }
            None => changed |= current.remove(k).is_some(),
        }
    }
    changed
}

/// True when `current` shows every change.
fn reflects(current: &Annotations, changes: &Changes) -> bool {
    changes.iter().all(|(k, v)| current.get(k) == v.as_ref())
}

/// sesame's annotations out of a `custom_metadata` object.
fn from_custom_metadata(custom: &Value) -> Annotations {
    custom
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(PREFIX)?.to_string(), v.as_str()?.to_string())))
                .filter(|(k, _)| !k.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Annotations out of one KV v1 registry entry (non-string values are skipped).
fn from_registry_entry(v: &Value) -> Annotations {
    v.as_object()
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// Reads and writes annotations, caching each KV v1 mount's registry. Cheap to clone (shared cache).
#[derive(Clone, Debug)]
pub struct AnnotationStore {
    vault: Vault,
    /// KV v1 registries as last read or written, by mount path (`None`: the registry does not exist).
    registries: Arc<Mutex<HashMap<String, Option<Registry>>>>,
}

impl AnnotationStore {
    /// A store over this connection, with an empty cache.
    pub fn new(vault: Vault) -> Self {
        Self { vault, registries: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// The connection.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Forgets the cached KV v1 registry of one mount (`Some`) or of all (`None`), so the next read fetches it.
    pub fn refresh(&self, mount: Option<&str>) {
        if let Ok(mut cache) = self.registries.lock() {
            match mount {
                Some(m) => {
                    cache.remove(m.trim_matches('/'));
                }
                None => cache.clear(),
            }
        }
    }

    /// The annotations of one secret (empty when it has none, or does not exist).
    ///
    /// Errors: the server's refusals, e.g. [`VaultError::Forbidden`] for a token that may read the secret but
    /// not its metadata (KV v2) or the registry (KV v1); callers that only want the type then fall back to
    /// recognising it from the keys.
    pub async fn get(&self, mount: &Mount, path: &str) -> Result<Annotations, VaultError> {
        let path = path.trim_matches('/');
        match mount.version {
            KvVersion::V2 => {
                Ok(self.v2_custom(mount, path).await?.map(|c| from_custom_metadata(&c)).unwrap_or_default())
            }
            KvVersion::V1 => {
                let registry = self.v1_cached(mount).await?;
                Ok(registry.as_ref().and_then(|r| r.get(path)).map(from_registry_entry).unwrap_or_default())
            }
        }
    }

    /// A secret's type: its `type` annotation when it can be read, else recognised from its keys
    /// ([`crate::secret::types::detect`]). Never fails: an unreadable annotation counts as none.
    pub async fn detect_type(
        &self,
        mount: &Mount,
        path: &str,
        data: &crate::secret::SecretData,
    ) -> crate::secret::types::Detected {
        let annotation = match self.get(mount, path).await {
            Ok(a) => a.get(crate::secret::types::TYPE_ANNOTATION).cloned(),
            Err(e) => {
                tracing::debug!(error = %e, "annotations unreadable; recognising the type from the keys");
                None
            }
        };
        crate::secret::types::detect(annotation.as_deref(), data.keys())
    }

    /// Changes the annotations of one secret (merging: names not in `changes` are kept) and returns them as
    /// they now are.
    ///
    /// Errors: [`VaultError::Invalid`] for a name or value breaking the limits (see the module docs), or a
    /// change that would give the secret more than [`MAX_KEYS`] `custom_metadata` keys; on KV v2
    /// [`VaultError::NotFound`] when the secret does not exist; on KV v1 [`VaultError::CasMismatch`] when the
    /// registry kept changing under us; and the server's refusals.
    pub async fn set(&self, mount: &Mount, path: &str, changes: &Changes) -> Result<Annotations, VaultError> {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Err(VaultError::Invalid("annotations belong to a secret, not to a mount".into()));
        }
        check_changes(changes)?;
        match mount.version {
            KvVersion::V2 => self.v2_set(mount, path, changes).await,
            KvVersion::V1 => self.v1_update(mount, path, changes).await,
        }
    }

    /// Removes every annotation of a secret (when it is deleted, or after it moved). Nothing to remove is not an
    /// error.
    pub async fn remove(&self, mount: &Mount, path: &str) -> Result<(), VaultError> {
        let path = path.trim_matches('/');
        let current = match self.get(mount, path).await {
            Ok(a) => a,
            Err(VaultError::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        if current.is_empty() {
            return Ok(());
        }
        let changes: Changes = current.into_keys().map(|k| (k, None)).collect();
        match self.set(mount, path, &changes).await {
            Ok(_) | Err(VaultError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Gives the destination exactly the source's annotations (across mounts and engines), after the secret
    /// itself was copied. The destination must exist on KV v2.
    pub async fn copy_annotations(
        &self,
        src_mount: &Mount,
        src_path: &str,
        dst_mount: &Mount,
        dst_path: &str,
    ) -> Result<(), VaultError> {
        let src = self.get(src_mount, src_path).await?;
        let dst = self.get(dst_mount, dst_path).await?;
        if src == dst {
            return Ok(());
        }
        let mut changes: Changes =
            dst.keys().filter(|k| !src.contains_key(*k)).map(|k| (k.clone(), None)).collect();
        for (k, v) in src {
            if dst.get(&k) != Some(&v) {
                changes.insert(k, Some(v));
            }
        }
        self.set(dst_mount, dst_path, &changes).await.map(|_| ())
    }

    /// [`AnnotationStore::copy_annotations`], then [`AnnotationStore::remove`] at the source.
    pub async fn move_annotations(
        &self,
        src_mount: &Mount,
        src_path: &str,
        dst_mount: &Mount,
        dst_path: &str,
    ) -> Result<(), VaultError> {
        self.copy_annotations(src_mount, src_path, dst_mount, dst_path).await?;
        if src_mount.path == dst_mount.path && src_path.trim_matches('/') == dst_path.trim_matches('/') {
            return Ok(());
        }
        self.remove(src_mount, src_path).await
    }

    /// Every annotated secret of a mount: path → annotations (secrets without annotations are left out).
    ///
    /// KV v1 reads the registry afresh (its entries for paths that no longer exist included: the registry does
    /// not know about deletes made by other tools). KV v2 walks the mount and reads each secret's metadata;
    /// secrets whose metadata this token may not read are skipped.
    pub async fn all(&self, mount: &Mount) -> Result<BTreeMap<String, Annotations>, VaultError> {
        match mount.version {
            KvVersion::V1 => {
                let registry = self.v1_fetch(mount).await?;
                self.v1_store_cache(mount, registry.clone());
                Ok(registry
                    .iter()
                    .flatten()
                    .map(|(p, v)| (p.clone(), from_registry_entry(v)))
                    .filter(|(_, a)| !a.is_empty())
                    .collect())
            }
            KvVersion::V2 => {
                let paths = walk(&self.vault, mount, "", &WalkOptions::default()).await?;
                let results: Vec<(String, Result<Option<Value>, VaultError>)> = stream::iter(paths)
                    .map(|p| async move {
                        let r = self.v2_custom(mount, &p).await;
                        (p, r)
                    })
                    .buffer_unordered(METADATA_CONCURRENCY)
                    .collect()
                    .await;
                let mut out = BTreeMap::new();
                for (p, r) in results {
                    match r {
                        Ok(Some(c)) => {
                            let a = from_custom_metadata(&c);
                            if !a.is_empty() {
                                out.insert(p, a);
                            }
                        }
                        Ok(None) | Err(VaultError::Forbidden { .. } | VaultError::NotFound { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(out)
            }
        }
    }

    // ---- KV v2 ----

    fn v2_api(mount: &Mount, path: &str) -> String {
        format!("{}/metadata/{}", encode_path(&mount.path), encode_path(path))
    }

    /// The whole `custom_metadata` of a KV v2 secret (`Some(Null)` when it has none), `None` when the secret has
    /// no metadata.
    async fn v2_custom(&self, mount: &Mount, path: &str) -> Result<Option<Value>, VaultError> {
        let api = Self::v2_api(mount, path);
        match self.vault.call_json("GET", &api, None).await {
            Ok(v) => {
                Ok(Some(v.get("data").and_then(|d| d.get("custom_metadata")).cloned().unwrap_or(Value::Null)))
            }
            Err(VaultError::NotFound { .. }) => Ok(None),
            Err(e) => Err(relabel(e, mount, path)),
        }
    }

    async fn v2_set(&self, mount: &Mount, path: &str, changes: &Changes) -> Result<Annotations, VaultError> {
        let Some(custom) = self.v2_custom(mount, path).await? else {
            return Err(VaultError::NotFound { path: join(&mount.path, path) });
        };
        let mut whole: BTreeMap<String, String> = custom
            .as_object()
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
            .unwrap_or_default();
        let mut mine = from_custom_metadata(&custom);
        if !apply_changes(&mut mine, changes) {
            return Ok(mine);
        }
        for (k, v) in changes {
            let key = format!("{PREFIX}{k}");
            match v {
                Some(v) => whole.insert(key, v.clone()),
                None => whole.remove(&key),
            };
        }
        if whole.len() > MAX_KEYS {
            let others = whole.keys().filter(|k| !k.starts_with(PREFIX)).count();
            return Err(VaultError::Invalid(format!(
                "cannot annotate {}: its custom_metadata would hold {} keys, KV v2 allows {MAX_KEYS} \
                 ({others} of them written by other tools)",
                join(&mount.path, path),
                whole.len()
            )));
        }
        let api = Self::v2_api(mount, path);
        let patch: Map<String, Value> = changes
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), v.clone().map_or(Value::Null, Value::String)))
            .collect();
        let body = json!({ "custom_metadata": patch }).to_string();
        let (status, bytes) =
            self.vault.raw_text("PATCH", &api, &body, Some("application/merge-patch+json")).await?;
        // Servers without metadata PATCH (405, or 400 on the content type): read-modify-write instead.
        if status == 405 || (status == 400 && String::from_utf8_lossy(&bytes).contains("mime")) {
            tracing::debug!(path = %join(&mount.path, path), "metadata PATCH refused; writing the whole custom_metadata");
            self.vault
                .call("POST", &api, Some(&json!({ "custom_metadata": whole })))
                .await
                .map_err(|e| relabel(e, mount, path))?;
            return Ok(mine);
        }
        Vault::check(status, &api, &bytes).map_err(|e| relabel(e, mount, path))?;
        Ok(mine)
    }

    // ---- KV v1 ----

    fn v1_api(mount: &Mount) -> String {
        format!("{}/{}", encode_path(&mount.path), encode_path(REGISTRY_PATH))
    }

    /// Reads the registry from the server (`None` when it does not exist).
    async fn v1_fetch(&self, mount: &Mount) -> Result<Option<Registry>, VaultError> {
        let api = Self::v1_api(mount);
        match self.vault.call_json("GET", &api, None).await {
            Ok(v) => Ok(Some(v.get("data").and_then(Value::as_object).cloned().unwrap_or_default())),
            Err(VaultError::NotFound { .. }) => Ok(None),
            Err(e) => Err(relabel(e, mount, REGISTRY_PATH)),
        }
    }

    fn v1_store_cache(&self, mount: &Mount, registry: Option<Registry>) {
        if let Ok(mut cache) = self.registries.lock() {
            cache.insert(mount.path.clone(), registry);
        }
    }

    /// The cached registry, fetched on first use.
    async fn v1_cached(&self, mount: &Mount) -> Result<Option<Registry>, VaultError> {
        let cached = self.registries.lock().ok().and_then(|c| c.get(&mount.path).cloned());
        if let Some(r) = cached {
            return Ok(r);
        }
        let fresh = self.v1_fetch(mount).await?;
        self.v1_store_cache(mount, fresh.clone());
        Ok(fresh)
    }

    /// Compare-before-write update of one path's entry in the registry.
    async fn v1_update(
        &self,
        mount: &Mount,
        path: &str,
        changes: &Changes,
    ) -> Result<Annotations, VaultError> {
        let api = Self::v1_api(mount);
        for attempt in 0..V1_ATTEMPTS {
            if attempt > 0 {
                let ms = rand::rng().random_range(10..40u64) * attempt as u64;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            let cached = self.registries.lock().ok().and_then(|c| c.get(&mount.path).cloned());
            let current = self.v1_fetch(mount).await?;
            if cached.as_ref().is_some_and(|c| *c != current) {
                tracing::debug!(mount = %mount.path, "the annotation registry changed since it was loaded; merging");
            }
            let mut next = current.clone().unwrap_or_default();
            let mut mine = next.get(path).map(from_registry_entry).unwrap_or_default();
            if !apply_changes(&mut mine, changes) {
                self.v1_store_cache(mount, current);
                return Ok(mine);
            }
            if mine.len() > MAX_KEYS {
                return Err(VaultError::Invalid(format!(
                    "cannot annotate {}: it would have {} annotations, at most {MAX_KEYS} are kept",
                    join(&mount.path, path),
                    mine.len()
                )));
            }
            // Keep the entry's non-string values (written by someone else) as they are.
            let mut entry = next.get(path).and_then(Value::as_object).cloned().unwrap_or_default();
            for (k, v) in changes {
                match v {
                    Some(v) => entry.insert(k.clone(), Value::String(v.clone())),
                    None => entry.remove(k),
                };
            }
            if entry.is_empty() {
                next.remove(path);
            } else {
                next.insert(path.to_string(), Value::Object(entry));
            }
            // Compare before write.
            if self.v1_fetch(mount).await? != current {
                continue;
            }
            if next.is_empty() {
                match self.vault.call("DELETE", &api, None).await {
                    Ok(_) | Err(VaultError::NotFound { .. }) => {}
                    Err(e) => return Err(relabel(e, mount, REGISTRY_PATH)),
                }
            } else {
                self.vault
                    .call("POST", &api, Some(&Value::Object(next.clone())))
                    .await
                    .map_err(|e| relabel(e, mount, REGISTRY_PATH))?;
            }
            // Read back a moment later: a concurrent writer that compared before our write landed would have
            // replaced it by now.
            let ms = rand::rng().random_range(15..35u64);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let after = self.v1_fetch(mount).await?;
            let now = after.as_ref().and_then(|r| r.get(path)).map(from_registry_entry).unwrap_or_default();
            self.v1_store_cache(mount, after);
            if reflects(&now, changes) {
                return Ok(now);
            }
            tracing::debug!(mount = %mount.path, attempt, "annotation change overwritten by a concurrent writer; retrying");
        }
        Err(VaultError::CasMismatch { path: join(&mount.path, REGISTRY_PATH) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_checked() {
        assert!(check_name("type").is_ok());
        assert!(check_name("inject.env").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"n".repeat(MAX_KEY_LEN - PREFIX.len())).is_ok());
        let e = check_name(&"n".repeat(MAX_KEY_LEN - PREFIX.len() + 1)).unwrap_err();
        assert!(e.contains("128"), "{e}");
        assert!(check_value("t", &"v".repeat(MAX_VALUE_LEN)).is_ok());
        assert!(check_value("t", &"v".repeat(MAX_VALUE_LEN + 1)).unwrap_err().contains("512"));
        assert!(check_value("t", "").is_err());
        assert!(check_value("t", "a\nb").is_err());
    }

    #[test]
    fn custom_metadata_is_filtered_by_prefix() {
        let c = json!({"sesame.type": "Opaque", "owner": "ops", "sesame.": "x", "sesame.n": 3});
        let a = from_custom_metadata(&c);
        assert_eq!(a.into_iter().collect::<Vec<_>>(), [("type".to_string(), "Opaque".to_string())]);
        assert!(from_custom_metadata(&Value::Null).is_empty());
    }

    #[test]
    fn changes_apply_and_are_reflected() {
        let mut a: Annotations = [("type".to_string(), "x".to_string())].into();
        let ch: Changes = [("type".to_string(), None), ("mode".to_string(), Some("ro".to_string()))].into();
        assert!(!reflects(&a, &ch));
        assert!(apply_changes(&mut a, &ch));
        assert!(reflects(&a, &ch));
        assert!(!apply_changes(&mut a, &ch));
        assert_eq!(a.len(), 1);
    }
}
