//! Writing secrets without losing data: check-and-set writes, versions, deletes and folders.
//!
//! # Never overwrite what was not seen
//! Every write says what it expects to find ([`Expected`]): KV v2 sends it as `options.cas` (the version
//! that was loaded, `0` for "must not exist"), so the server refuses atomically; KV v1 has no such option,
//! so the secret is re-read and compared with the data that was loaded just before writing (the best KV v1
//! allows: a writer landing between that read and the write is not detected). A mismatch is
//! [`VaultError::CasMismatch`]; the editor then reads the current state again ([`Vault::snapshot`]) and
//! shows a [`masked_diff`](crate::secret::diff::masked_diff) before the user chooses to overwrite
//! ([`Expected::Anything`]) or keep editing. A write that fails changes nothing: each is one request.
//!
//! # Folders
//! A folder is a list prefix; an empty folder is kept alive by a `.keep` placeholder secret, as the
//! EDITO/Onyxia explorer does ([`Vault::mkdir`]). Once a folder holds something else, its placeholder goes
//! ([`Vault::tidy_placeholders`], run by [`Vault::write`] after creating a secret).
//!
//! Secret data only ever travels as zeroized JSON text ([`SecretData::to_json_compact`]); the JSON parsed
//! here (write answers, metadata) never holds a value.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::error::VaultError;
use super::kv::{KvVersion, Mount, SecretRead, Vault, VersionInfo, VersionState, encode_path};
pub use super::path::{join, split_parent};
use crate::secret::SecretData;
use crate::secret::diff::same_data;
use crate::secret::rules;

/// Name of the placeholder secret that keeps an empty folder alive.
pub const PLACEHOLDER: &str = ".keep";

/// What the placeholder holds on KV v1, which refuses a secret without keys (KV v2 stores `{}`).
pub const V1_PLACEHOLDER_KEY: &str = "KEEP";

/// What a write expects to find at the path, checked before anything is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Nothing: create only (KV v2 `cas: 0`).
    Absent,
    /// KV v2: this version must still be the current one (the version that was loaded).
    Version(u64),
    /// The data that was loaded must still be there, unchanged (KV v1; on KV v2 the current version is read,
    /// compared, then used as `cas`).
    Data(SecretData),
    /// No check: overwrite whatever is there (after the user chose to, on a conflict).
    Anything,
}

impl Expected {
    /// What a save from an editor expects: `base` as it was loaded (`None`: nothing, create only), or
    /// anything when the user chose to overwrite (`force`).
    pub fn for_save(base: Option<&SecretRead>, force: bool) -> Self {
        match (force, base) {
            (true, _) => Self::Anything,
            (false, None) => Self::Absent,
            (false, Some(read)) => Self::from_read(read),
        }
    }

    /// What to expect after loading `read`: its version on KV v2 (even a deleted one), its data on KV v1.
    pub fn from_read(read: &SecretRead) -> Self {
        match (&read.version, &read.data) {
            (Some(v), _) => Self::Version(v.version),
            (None, Some(d)) => Self::Data(d.clone()),
            (None, None) => Self::Absent,
        }
    }
}

/// A secret as loaded for editing: what is there now and what a later write must expect.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The latest data; `None` when the secret does not exist or its latest version is deleted/destroyed.
    pub data: Option<SecretData>,
    /// KV v2: the latest version's facts.
    pub version: Option<VersionInfo>,
    /// Pass this to [`Vault::write`] to save over exactly this state.
    pub expected: Expected,
}

impl Snapshot {
    /// True when nothing exists at the path (not even a deleted version).
    pub fn is_absent(&self) -> bool {
        self.expected == Expected::Absent
    }
}

/// The result of a successful write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// KV v2: the new version.
    pub version: Option<u64>,
    /// True when the write created the secret.
    pub created: bool,
    /// Placeholders (`mount/folder/.keep`) removed because their folder now holds this secret.
    pub placeholders_removed: Vec<String>,
}

/// Which versions a delete removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteMode {
    /// KV v2: soft-delete the latest version (undeletable). KV v1: delete the secret.
    Latest,
    /// KV v2 only: soft-delete these versions.
    Versions(Vec<u64>),
    /// KV v2: remove the secret with every version and its metadata (not undeletable). KV v1: delete.
    AllVersions,
}

/// One version of a KV v2 secret, from its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMeta {
    /// Version number.
    pub version: u64,
    /// RFC 3339 creation time.
    pub created_time: String,
    /// RFC 3339 soft-deletion time (a future time is a scheduled deletion), if any.
    pub deletion_time: Option<String>,
    /// True when destroyed for good.
    pub destroyed: bool,
}

impl VersionMeta {
    /// Live, deleted or destroyed.
    pub fn state(&self) -> VersionState {
        if self.destroyed {
            VersionState::Destroyed
        } else if self.deletion_time.is_some() {
            VersionState::Deleted
        } else {
            VersionState::Live
        }
    }
}

/// The metadata of a KV v2 secret. Holds no secret value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretMetadata {
    /// The latest version.
    pub current_version: u64,
    /// The oldest version still kept.
    pub oldest_version: u64,
    /// RFC 3339 creation time of the secret.
    pub created_time: String,
    /// RFC 3339 time of the last change.
    pub updated_time: String,
    /// Versions kept (0: the mount's default).
    pub max_versions: u64,
    /// True when every write must carry `cas`.
    pub cas_required: bool,
    /// Versions are deleted this long after being written (`0s`: never).
    pub delete_version_after: String,
    /// User-defined string pairs.
    pub custom_metadata: BTreeMap<String, String>,
    /// Every version kept, oldest first.
    pub versions: Vec<VersionMeta>,
}

/// The outcome of [`Vault::mkdir`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MkdirOutcome {
    /// The placeholder was written.
    Created,
    /// The folder already lists something: nothing was written.
    AlreadyExists,
}

/// The data of a placeholder on this engine: `{}` on KV v2, one key on KV v1.
pub fn placeholder_data(version: KvVersion) -> SecretData {
    match version {
        KvVersion::V2 => SecretData::default(),
        KvVersion::V1 => SecretData {
            pairs: vec![(
                V1_PLACEHOLDER_KEY.to_string(),
                crate::secret::SecretValue::from_string("placeholder keeping this folder visible"),
            )],
        },
    }
}

/// True when `path`'s last segment is the placeholder's name.
pub fn is_placeholder(path: &str) -> bool {
    path.trim_end_matches('/').rsplit('/').next() == Some(PLACEHOLDER)
}

/// The API path of a KV v2 sub-API (`data`, `metadata`, `delete`…) for a secret.
fn v2_api(mount: &Mount, api: &str, path: &str) -> String {
    format!("{}/{api}/{}", encode_path(&mount.path), encode_path(path))
}

/// The API path of a KV v1 secret.
fn v1_api(mount: &Mount, path: &str) -> String {
    format!("{}/{}", encode_path(&mount.path), encode_path(path))
}

/// Re-labels an error with the user's path (`mount/path`) instead of the API path.
pub(crate) fn relabel(e: VaultError, mount: &Mount, path: &str) -> VaultError {
    let full = join(&mount.path, path);
    match e {
        VaultError::NotFound { .. } => VaultError::NotFound { path: full },
        VaultError::Forbidden { detail, .. } => VaultError::Forbidden { path: full, detail },
        VaultError::CasMismatch { .. } => VaultError::CasMismatch { path: full },
        other => other,
    }
}

fn invalid_path(path: &str) -> Result<(), VaultError> {
    rules::check_path(path).map_err(|reason| VaultError::Invalid(format!("invalid name {path:?}: {reason}")))
}

fn need_v2(mount: &Mount, what: &str) -> Result<(), VaultError> {
    match mount.version {
        KvVersion::V2 => Ok(()),
        KvVersion::V1 => {
            Err(VaultError::Invalid(format!("{} is a KV v1 mount: it has no {what}", mount.path)))
        }
    }
}

fn versions_body(versions: &[u64]) -> Result<Value, VaultError> {
    if versions.is_empty() || versions.contains(&0) {
        return Err(VaultError::Invalid("give one or more version numbers (1 or more)".to_string()));
    }
    Ok(json!({ "versions": versions }))
}

impl Vault {
    /// Loads a secret for editing: its latest data and what a write over it must expect. A missing secret
    /// is not an error: it gives `data: None` and [`Expected::Absent`].
    pub async fn snapshot(&self, mount: &Mount, path: &str) -> Result<Snapshot, VaultError> {
        match self.read(mount, path, None).await {
            Ok(read) => {
                let expected = Expected::from_read(&read);
                Ok(Snapshot { data: read.data, version: read.version, expected })
            }
            Err(VaultError::NotFound { .. }) => {
                Ok(Snapshot { data: None, version: None, expected: Expected::Absent })
            }
            Err(e) => Err(e),
        }
    }

    /// True when a secret exists at `path` (on KV v2, even with its latest version deleted).
    pub async fn exists(&self, mount: &Mount, path: &str) -> Result<bool, VaultError> {
        Ok(!self.snapshot(mount, path).await?.is_absent())
    }

    /// Writes `data` at `path` if the secret is still as `expected`, then removes the placeholders made
    /// useless by a newly created secret (best effort).
    ///
    /// Errors: [`VaultError::Invalid`] for a name breaking [`rules::path_error`] or empty data on KV v1,
    /// [`VaultError::CasMismatch`] when the secret is not as expected, and the server's refusals (403,
    /// sealed, unreachable…). On any error nothing was written, except that a transport error during the
    /// write request itself leaves it unknown whether the server applied it.
    ///
    /// Keys are not checked here (secrets written by other tools keep their keys): check new keys with
    /// [`rules::check_keys`] first.
    pub async fn write(
        &self,
        mount: &Mount,
        path: &str,
        data: &SecretData,
        expected: &Expected,
    ) -> Result<Written, VaultError> {
        let path = path.trim_matches('/');
        let (version, created) = match self.write_data(mount, path, data, expected).await {
            Err(VaultError::CasMismatch { .. }) if self.already_holds(mount, path, data).await => {
                // The server holds exactly this data already: most often our own earlier write whose answer
                // never came. That is the save going through, not someone else's change.
                let read = self.read(mount, path, None).await?;
                return Ok(Written {
                    version: read.version.map(|v| v.version),
                    created: false,
                    placeholders_removed: Vec::new(),
                });
            }
            other => other?,
        };
        let placeholders_removed = if created && !is_placeholder(path) {
            self.tidy_placeholders(mount, path, false).await
        } else {
            Vec::new()
        };
        Ok(Written { version, created, placeholders_removed })
    }

    /// True when the latest version of `mount/path` holds exactly `data` (the same keys with the same JSON
    /// values, whatever their order).
    pub async fn already_holds(&self, mount: &Mount, path: &str, data: &SecretData) -> bool {
        let Ok(read) = self.read(mount, path, None).await else { return false };
        let Some(current) = read.data else { return false };
        same_data(&current, data)
    }

    /// The write itself, without placeholder tidying. Returns the new version (KV v2) and whether the write
    /// created the secret.
    pub(crate) async fn write_data(
        &self,
        mount: &Mount,
        path: &str,
        data: &SecretData,
        expected: &Expected,
    ) -> Result<(Option<u64>, bool), VaultError> {
        let path = path.trim_matches('/');
        invalid_path(path)?;
        let conflict = || VaultError::CasMismatch { path: join(&mount.path, path) };
        match mount.version {
            KvVersion::V1 => {
                if data.pairs.is_empty() {
                    return Err(VaultError::Invalid(format!(
                        "{} is a KV v1 mount: it cannot store a secret without keys",
                        mount.path
                    )));
                }
                // Compare before write: the only check KV v1 allows.
                let created = match expected {
                    Expected::Anything => false,
                    Expected::Version(_) => {
                        return Err(VaultError::Invalid(format!(
                            "{} is a KV v1 mount: it has no versions to check against",
                            mount.path
                        )));
                    }
                    Expected::Absent | Expected::Data(_) => {
                        let current = self.snapshot(mount, path).await?;
                        match (expected, &current.data) {
                            (Expected::Absent, None) => true,
                            (Expected::Data(want), Some(have)) if same_data(want, have) => false,
                            _ => return Err(conflict()),
                        }
                    }
                };
                let api = v1_api(mount, path);
                let body = data.to_json_compact();
                let (status, bytes) = self.raw_text("POST", &api, &body, None).await?;
                Vault::check(status, &api, &bytes).map_err(|e| relabel(e, mount, path))?;
                Ok((None, created))
            }
            KvVersion::V2 => {
                let cas = match expected {
                    Expected::Absent => Some(0),
                    Expected::Version(v) => Some(*v),
                    Expected::Anything => None,
                    Expected::Data(want) => {
                        let current = self.snapshot(mount, path).await?;
                        match (&current.data, &current.version) {
                            (Some(have), Some(v)) if same_data(want, have) => Some(v.version),
                            _ => return Err(conflict()),
                        }
                    }
                };
                let api = v2_api(mount, "data", path);
                let compact = data.to_json_compact();
                let mut body = Zeroizing::new(String::with_capacity(compact.len() + 40));
                if let Some(cas) = cas {
                    body.push_str(&format!("{{\"options\":{{\"cas\":{cas}}},\"data\":"));
                } else {
                    body.push_str("{\"data\":");
                }
                body.push_str(&compact);
                body.push('}');
                let (status, bytes) = self.raw_text("POST", &api, &body, None).await?;
                Vault::check(status, &api, &bytes).map_err(|e| relabel(e, mount, path))?;
                // The answer holds the new version's metadata only, never data.
                let version = serde_json::from_slice::<Value>(&bytes)
                    .ok()
                    .and_then(|v| v.get("data").and_then(|d| d.get("version")).and_then(Value::as_u64));
                let created = cas == Some(0) || version == Some(1);
                Ok((version, created))
            }
        }
    }

    /// The metadata of a KV v2 secret: versions, custom metadata, settings.
    pub async fn metadata(&self, mount: &Mount, path: &str) -> Result<SecretMetadata, VaultError> {
        need_v2(mount, "metadata")?;
        let path = path.trim_matches('/');
        let api = v2_api(mount, "metadata", path);
        let v = self.call_json("GET", &api, None).await.map_err(|e| relabel(e, mount, path))?;
        Ok(parse_metadata(v.get("data").unwrap_or(&Value::Null)))
    }

    /// The versions of a KV v2 secret, newest first.
    pub async fn history(&self, mount: &Mount, path: &str) -> Result<Vec<VersionMeta>, VaultError> {
        let mut versions = self.metadata(mount, path).await?.versions;
        versions.reverse();
        Ok(versions)
    }

    /// Replaces the whole custom_metadata of a KV v2 secret (string pairs; at most 64 keys, key ≤ 128 and
    /// value ≤ 512 characters). Other metadata settings are kept.
    pub async fn set_custom_metadata(
        &self,
        mount: &Mount,
        path: &str,
        custom: &BTreeMap<String, String>,
    ) -> Result<(), VaultError> {
        need_v2(mount, "metadata")?;
        let path = path.trim_matches('/');
        let api = v2_api(mount, "metadata", path);
        self.call("POST", &api, Some(&json!({ "custom_metadata": custom })))
            .await
            .map_err(|e| relabel(e, mount, path))?;
        Ok(())
    }

    /// Merges changes into the custom_metadata of a KV v2 secret: `Some(value)` sets a key, `None` removes
    /// it (JSON merge patch on the metadata; without the `patch` capability, read-merge-replace).
    pub async fn patch_custom_metadata(
        &self,
        mount: &Mount,
        path: &str,
        changes: &[(String, Option<String>)],
    ) -> Result<(), VaultError> {
        need_v2(mount, "metadata")?;
        if changes.is_empty() {
            return Ok(());
        }
        let path = path.trim_matches('/');
        let api = v2_api(mount, "metadata", path);
        let map: Map<String, Value> =
            changes.iter().map(|(k, v)| (k.clone(), v.clone().map_or(Value::Null, Value::String))).collect();
        let body = json!({ "custom_metadata": map }).to_string();
        let (status, bytes) =
            self.raw_text("PATCH", &api, &body, Some("application/merge-patch+json")).await?;
        match Vault::check(status, &api, &bytes) {
            Ok(()) => Ok(()),
            // PATCH needs the `patch` capability, which many policies lack (or an old server): read, merge
            // and replace with `update` instead.
            Err(VaultError::Forbidden { .. } | VaultError::Api { code: 405, .. }) => {
                let mut custom = self.metadata(mount, path).await?.custom_metadata;
                for (k, v) in changes {
                    match v {
                        Some(v) => custom.insert(k.clone(), v.clone()),
                        None => custom.remove(k),
                    };
                }
                self.set_custom_metadata(mount, path, &custom).await
            }
            Err(e) => Err(relabel(e, mount, path)),
        }
    }

    /// Deletes a secret (see [`DeleteMode`]). Deleting what does not exist succeeds (the server's answer).
    pub async fn delete_secret(
        &self,
        mount: &Mount,
        path: &str,
        mode: &DeleteMode,
    ) -> Result<(), VaultError> {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return Err(VaultError::Invalid("give a secret to delete, not a mount".to_string()));
        }
        if matches!(mode, DeleteMode::Versions(_)) {
            need_v2(mount, "versions")?;
        }
        let (method, api, body) = match (mount.version, mode) {
            (KvVersion::V1, _) => ("DELETE", v1_api(mount, path), None),
            (KvVersion::V2, DeleteMode::Latest) => ("DELETE", v2_api(mount, "data", path), None),
            (KvVersion::V2, DeleteMode::Versions(v)) => {
                ("POST", v2_api(mount, "delete", path), Some(versions_body(v)?))
            }
            (KvVersion::V2, DeleteMode::AllVersions) => ("DELETE", v2_api(mount, "metadata", path), None),
        };
        self.call(method, &api, body.as_ref()).await.map_err(|e| relabel(e, mount, path))?;
        Ok(())
    }

    /// Undeletes soft-deleted versions of a KV v2 secret.
    pub async fn undelete(&self, mount: &Mount, path: &str, versions: &[u64]) -> Result<(), VaultError> {
        self.post_versions(mount, "undelete", path, versions).await
    }

    /// Destroys versions of a KV v2 secret for good (their data cannot be recovered).
    pub async fn destroy(&self, mount: &Mount, path: &str, versions: &[u64]) -> Result<(), VaultError> {
        self.post_versions(mount, "destroy", path, versions).await
    }

    /// POSTs a list of versions to a KV v2 sub-API (`undelete`, `destroy`) of a secret.
    async fn post_versions(
        &self,
        mount: &Mount,
        api: &str,
        path: &str,
        versions: &[u64],
    ) -> Result<(), VaultError> {
        need_v2(mount, "versions")?;
        let path = path.trim_matches('/');
        let body = versions_body(versions)?;
        self.call("POST", &v2_api(mount, api, path), Some(&body))
            .await
            .map_err(|e| relabel(e, mount, path))?;
        Ok(())
    }

    /// Rolls a KV v2 secret back to `version`: writes that version's data as a new version, with
    /// check-and-set against `expected_current` (the current version the user saw; `None` reads it now).
    /// Returns the new version. Custom metadata is left as is.
    pub async fn rollback(
        &self,
        mount: &Mount,
        path: &str,
        version: u64,
        expected_current: Option<u64>,
    ) -> Result<u64, VaultError> {
        need_v2(mount, "versions")?;
        let path = path.trim_matches('/');
        let old = self.read(mount, path, Some(version)).await?;
        let Some(data) = old.data else {
            let state = match old.version.map(|v| v.state) {
                Some(VersionState::Destroyed) => "destroyed: it cannot be restored",
                _ => "deleted: undelete it first",
            };
            return Err(VaultError::Invalid(format!(
                "version {version} of {} is {state}",
                join(&mount.path, path)
            )));
        };
        let current = match expected_current {
            Some(c) => c,
            None => self.metadata(mount, path).await?.current_version,
        };
        let (new, _) = self.write_data(mount, path, &data, &Expected::Version(current)).await?;
        new.ok_or_else(|| VaultError::BadResponse {
            path: join(&mount.path, path),
            detail: "the write answer carries no version".to_string(),
        })
    }

    /// Creates a folder: writes its `.keep` placeholder (create-only) unless the folder already lists
    /// something, then removes the placeholders of parent folders that now hold it.
    pub async fn mkdir(&self, mount: &Mount, folder: &str) -> Result<MkdirOutcome, VaultError> {
        let folder = folder.trim_matches('/');
        invalid_path(folder)?;
        if !self.list(mount, folder).await?.is_empty() {
            return Ok(MkdirOutcome::AlreadyExists);
        }
        let keep = join(folder, PLACEHOLDER);
        match self.write_data(mount, &keep, &placeholder_data(mount.version), &Expected::Absent).await {
            Ok(_) => {}
            Err(VaultError::CasMismatch { .. }) => return Ok(MkdirOutcome::AlreadyExists),
            Err(e) => return Err(e),
        }
        self.tidy_placeholders(mount, folder, true).await;
        Ok(MkdirOutcome::Created)
    }

    /// Creates a folder as both front ends do ([`Vault::mkdir`]); a folder that already lists something is an
    /// error. Returns the folder as users write it (`mount/folder`).
    pub async fn make_folder(&self, mount: &Mount, folder: &str) -> Result<String, VaultError> {
        let full = join(&mount.path, folder);
        match self.mkdir(mount, folder).await? {
            MkdirOutcome::Created => Ok(full),
            MkdirOutcome::AlreadyExists => Err(VaultError::Invalid(format!("{full}/ already exists"))),
        }
    }

    /// Removes placeholders made useless by `created` (a secret, or a folder when `is_folder`), which was
    /// just created: the `.keep` of its parent folder and, while each folder held nothing else before, of
    /// the folders above. For a folder, its own `.keep` goes too when the folder holds something else.
    ///
    /// Best effort: a failure is logged and the placeholder stays. Returns the placeholders removed
    /// (`mount/…/.keep`).
    pub async fn tidy_placeholders(&self, mount: &Mount, created: &str, is_folder: bool) -> Vec<String> {
        let mut removed = Vec::new();
        let created = created.trim_matches('/');
        if is_folder && !created.is_empty() {
            self.remove_placeholder_in(mount, created, None, &mut removed).await;
        }
        let mut child = created.to_string();
        while !child.is_empty() {
            let (parent, name) = split_parent(&child);
            if parent.is_empty() {
                break;
            }
            let held_other = self.remove_placeholder_in(mount, parent, Some(name), &mut removed).await;
            if held_other {
                break;
            }
            child = parent.to_string();
        }
        removed
    }

    /// Deletes `folder/.keep` when the folder lists something besides it and `child`'s entry is not the
    /// placeholder itself. Returns true when the folder holds entries other than `child` and the
    /// placeholder (or could not be listed), i.e. it existed before `child`.
    async fn remove_placeholder_in(
        &self,
        mount: &Mount,
        folder: &str,
        child: Option<&str>,
        removed: &mut Vec<String>,
    ) -> bool {
        let entries = match self.list(mount, folder).await {
            Ok(e) => e,
            Err(e) => {
                tracing::debug!(mount = %mount.path, folder, error = %e, "cannot list a folder to tidy its placeholder");
                return true;
            }
        };
        let has_keep = entries.iter().any(|e| !e.is_folder && e.name == PLACEHOLDER);
        let others =
            entries.iter().filter(|e| e.name != PLACEHOLDER && Some(e.name.as_str()) != child).count();
        let holds_more =
            child.is_some_and(|c| c != PLACEHOLDER && entries.iter().any(|e| e.name == c)) || others > 0;
        if has_keep && holds_more {
            let keep = join(folder, PLACEHOLDER);
            match self.delete_secret(mount, &keep, &DeleteMode::AllVersions).await {
                Ok(()) => removed.push(join(&mount.path, &keep)),
                Err(e) => {
                    tracing::debug!(mount = %mount.path, folder, error = %e, "cannot remove a placeholder")
                }
            }
        }
        others > 0
    }
}

fn parse_metadata(d: &Value) -> SecretMetadata {
    let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let n = |k: &str| d.get(k).and_then(Value::as_u64).unwrap_or(0);
    let mut versions: Vec<VersionMeta> = d
        .get("versions")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    Some(VersionMeta {
                        version: k.parse().ok()?,
                        created_time: v.get("created_time").and_then(Value::as_str).unwrap_or("").to_string(),
                        deletion_time: v
                            .get("deletion_time")
                            .and_then(Value::as_str)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string),
                        destroyed: v.get("destroyed").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|v| v.version);
    let custom_metadata = d
        .get("custom_metadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect()
        })
        .unwrap_or_default();
    SecretMetadata {
        current_version: n("current_version"),
        oldest_version: n("oldest_version"),
        created_time: s("created_time"),
        updated_time: s("updated_time"),
        max_versions: n("max_versions"),
        cas_required: d.get("cas_required").and_then(Value::as_bool).unwrap_or(false),
        delete_version_after: s("delete_version_after"),
        custom_metadata,
        versions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_parsed() {
        let d = json!({
            "current_version": 3, "oldest_version": 1, "created_time": "c", "updated_time": "u",
            "max_versions": 0, "cas_required": false, "delete_version_after": "0s",
            "custom_metadata": {"owner": "ml", "sesame.encoding.CERT": "base64"},
            "versions": {
                "10": {"created_time": "t10", "deletion_time": "", "destroyed": false},
                "2": {"created_time": "t2", "deletion_time": "2024-01-01T00:00:00Z", "destroyed": false},
                "1": {"created_time": "t1", "deletion_time": "", "destroyed": true}
            }
        });
        let m = parse_metadata(&d);
        assert_eq!(m.current_version, 3);
        assert_eq!(m.versions.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2, 10]);
        assert_eq!(
            m.versions.iter().map(VersionMeta::state).collect::<Vec<_>>(),
            [VersionState::Destroyed, VersionState::Deleted, VersionState::Live]
        );
        assert_eq!(m.custom_metadata.get("owner").map(String::as_str), Some("ml"));
        assert_eq!(parse_metadata(&json!({"custom_metadata": null})).custom_metadata.len(), 0);
    }

    #[test]
    fn expected_from_reads() {
        let data = SecretData::from_json_object(r#"{"A":"1"}"#).unwrap();
        let v = VersionInfo { version: 4, created_time: String::new(), state: VersionState::Deleted };
        assert_eq!(Expected::from_read(&SecretRead { data: None, version: Some(v) }), Expected::Version(4));
        assert_eq!(
            Expected::from_read(&SecretRead { data: Some(data.clone()), version: None }),
            Expected::Data(data)
        );
        assert_eq!(Expected::from_read(&SecretRead { data: None, version: None }), Expected::Absent);
    }

    #[test]
    fn paths() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a/", "/b"), "a/b");
        assert_eq!(join("a", ""), "a");
        assert_eq!(split_parent("a/b/c"), ("a/b", "c"));
        assert_eq!(split_parent("c"), ("", "c"));
        assert!(is_placeholder("a/.keep") && is_placeholder(".keep") && !is_placeholder("a/keep"));
        assert_eq!(placeholder_data(KvVersion::V2).pairs.len(), 0);
        assert_eq!(placeholder_data(KvVersion::V1).keys().collect::<Vec<_>>(), ["KEEP"]);
        assert!(versions_body(&[]).is_err() && versions_body(&[0]).is_err());
        assert_eq!(versions_body(&[1, 3]).unwrap(), json!({"versions": [1, 3]}));
    }

    #[test]
    fn debug_of_expected_hides_values() {
        let data = SecretData::from_json_object(r#"{"PASSWORD":"hunter2"}"#).unwrap();
        let s = format!("{:?}", Expected::Data(data.clone()));
        assert!(!s.contains("hunter2"), "{s}");
        let snap = Snapshot { data: Some(data), version: None, expected: Expected::Absent };
        assert!(!format!("{snap:?}").contains("hunter2"));
    }
}
