//! Admin modes of a secret: **readonly** and **key-only**, recorded as annotations and enforced by the
//! server through a generated ACL policy ([`crate::vault::policy`]).
//!
//! # What a mode means
//! - readonly: the secret can be viewed, its path copied, its values revealed and copied; it cannot be edited,
//!   renamed, moved or deleted.
//! - key-only: its key names are shown, never its values: sesame does not read, reveal, copy or export them
//!   (`sesame run` may still inject them where the token may read them: use without seeing is the point).
//!
//! [`permission`] is the pure function the explorer asks before offering an action; the server's policy is
//! what really enforces the mode for the tokens it is attached to.
//!
//! # Who is an admin
//! A token that may update the secret's annotations: on KV v2 `update` on `<mount>/metadata/<path>`, on KV v1
//! `update` on the mount's annotation registry (`<mount>/.sesame/annotations`), as `sys/capabilities-self`
//! says ([`Modes::is_admin_for`], [`Modes::admin_permissions`]).
//!
//! # How a mode is stored
//! As annotations ([`crate::vault::annotations`]): `mode` (`readonly` or `key-only`), `mode.by` (the token's
//! display name), `mode.at` (RFC 3339 UTC) and, for key-only secrets, `mode.keys`: the key names as a JSON
//! array, so that a non-admin who may not read the data still sees them. An annotation value holds at most 512
//! bytes, so a long list continues in `mode.keys.2`, `mode.keys.3`… up to [`MAX_KEY_CHUNKS`] values; a list
//! longer than that is refused with a clear message. The key names are taken from the data when the mode is
//! set, and refreshed by [`Modes::refresh_keys`] after an admin saves the secret.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use super::annotations::{AnnotationStore, Annotations, Changes, MAX_VALUE_LEN, REGISTRY_PATH};
use super::capabilities::Permission;
use super::error::VaultError;
use super::kv::{KvVersion, Mount, Vault, encode_path};

/// The annotations of a mode: the mode, who set it, when, and a key-only secret's key names
/// ([`crate::secret::annotation`]).
pub use crate::secret::annotation::{MODE, MODE_AT, MODE_BY, MODE_KEYS};
/// At most this many annotation values hold the key names (so at most `8 × 512` bytes of JSON).
pub const MAX_KEY_CHUNKS: usize = 8;

/// The admin mode of a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// No restriction beyond the token's policies.
    #[default]
    None,
    /// Viewable and copyable, not changeable.
    #[serde(rename = "readonly")]
    ReadOnly,
    /// Key names only; the values are never shown.
    KeyOnly,
}

impl Mode {
    /// The stored and CLI spelling: `none`, `readonly`, `key-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ReadOnly => "readonly",
            Self::KeyOnly => "key-only",
        }
    }

    /// A tag for lists, readable without colour: `[readonly]`, `[key-only]`; `None` for no mode.
    pub fn tag(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::ReadOnly => Some("[readonly]"),
            Self::KeyOnly => Some("[key-only]"),
        }
    }

    /// One sentence saying what the mode allows.
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "no mode: the token's policies alone decide",
            Self::ReadOnly => {
                "readonly: it can be viewed and its values copied, not edited, renamed, moved or deleted"
            }
            Self::KeyOnly => "key-only: its key names are shown, never its values; it cannot be changed",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    /// Parses `none`, `readonly` (also `read-only`) and `key-only` (also `keyonly`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(Self::None),
            "readonly" | "read-only" => Ok(Self::ReadOnly),
            "key-only" | "keyonly" => Ok(Self::KeyOnly),
            other => Err(format!("unknown mode {other:?}: use readonly, key-only or none")),
        }
    }
}

/// A secret's mode as recorded in its annotations.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ModeRecord {
    /// The mode ([`Mode::None`] when there is none).
    pub mode: Mode,
    /// Who set it (the token's display name), when recorded.
    pub set_by: Option<String>,
    /// When it was set (RFC 3339 UTC), when recorded.
    pub set_at: Option<String>,
    /// Key-only: the recorded key names, sorted (empty otherwise, or when the record is damaged).
    pub keys: Vec<String>,
}

/// The annotation name of the `n`th chunk of the key list (0-based): `mode.keys`, `mode.keys.2`, ….
fn key_chunk_name(n: usize) -> String {
    if n == 0 { MODE_KEYS.to_string() } else { format!("{MODE_KEYS}.{}", n + 1) }
}

/// True for `mode.keys` and its continuations.
fn is_key_chunk(name: &str) -> bool {
    name == MODE_KEYS
        || name
            .strip_prefix(MODE_KEYS)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|n| n.parse::<usize>().is_ok())
}

impl ModeRecord {
    /// Reads the mode out of a secret's annotations. No `mode` annotation is [`Mode::None`].
    ///
    /// Errors: an unknown `mode` value (written by hand or by a newer sesame), with the reason.
    pub fn from_annotations(a: &Annotations) -> Result<ModeRecord, String> {
        let Some(raw) = a.get(MODE) else { return Ok(ModeRecord::default()) };
        let mode: Mode = raw.parse()?;
        let mut json = String::new();
        for n in 0..MAX_KEY_CHUNKS {
            match a.get(&key_chunk_name(n)) {
                Some(chunk) => json.push_str(chunk),
                None => break,
            }
        }
        let keys = if json.is_empty() {
            Vec::new()
        } else {
            match serde_json::from_str::<Vec<String>>(&json) {
                Ok(mut k) => {
                    k.sort();
                    k.dedup();
                    k
                }
                Err(e) => {
                    tracing::debug!(error = %e, "the recorded key names are damaged");
                    Vec::new()
                }
            }
        };
        Ok(ModeRecord {
            mode,
            set_by: a.get(MODE_BY).cloned(),
            set_at: a.get(MODE_AT).cloned(),
            keys: if mode == Mode::KeyOnly { keys } else { Vec::new() },
        })
    }

    /// The annotation changes that make `current` hold this record (and nothing stale: a cleared mode
    /// removes every `mode*` annotation).
    ///
    /// Errors: a key list too long for [`MAX_KEY_CHUNKS`] annotation values.
    pub fn to_changes(&self, current: &Annotations) -> Result<Changes, String> {
        let mut changes = Changes::new();
        for name in current.keys() {
            if name == MODE || name == MODE_BY || name == MODE_AT || is_key_chunk(name) {
                changes.insert(name.clone(), None);
            }
        }
        if self.mode == Mode::None {
            return Ok(changes);
        }
        changes.insert(MODE.into(), Some(self.mode.as_str().into()));
        if let Some(by) = self.set_by.as_ref().filter(|s| !s.is_empty()) {
            changes.insert(MODE_BY.into(), Some(clip(by)));
        }
        if let Some(at) = self.set_at.as_ref().filter(|s| !s.is_empty()) {
            changes.insert(MODE_AT.into(), Some(clip(at)));
        }
        if self.mode == Mode::KeyOnly {
            for (n, chunk) in key_chunks(&self.keys)?.into_iter().enumerate() {
                changes.insert(key_chunk_name(n), Some(chunk));
            }
        }
        Ok(changes)
    }
}

/// A value cut to [`MAX_VALUE_LEN`] bytes on a character boundary, without control characters.
fn clip(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > MAX_VALUE_LEN {
            break;
        }
        out.push(c);
    }
    out
}

/// The key names as JSON split into annotation values of at most [`MAX_VALUE_LEN`] bytes.
pub fn key_chunks(keys: &[String]) -> Result<Vec<String>, String> {
    let sorted: BTreeSet<&String> = keys.iter().collect();
    let json = serde_json::to_string(&sorted).map_err(|e| format!("cannot encode the key names: {e}"))?;
    let mut chunks = Vec::new();
    let mut cur = String::new();
    for c in json.chars() {
        if cur.len() + c.len_utf8() > MAX_VALUE_LEN {
            chunks.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    if chunks.len() > MAX_KEY_CHUNKS {
        return Err(format!(
            "the {} key names take {} bytes as JSON; sesame records at most {} ({MAX_KEY_CHUNKS} annotation \
             values of {MAX_VALUE_LEN} bytes): shorten or split the secret before making it key-only",
            sorted.len(),
            json.len(),
            MAX_KEY_CHUNKS * MAX_VALUE_LEN
        ));
    }
    Ok(chunks)
}

/// The mode in a secret's annotations; an unknown value counts as none (the audit reports it).
pub fn mode_of(a: &Annotations) -> Mode {
    ModeRecord::from_annotations(a).map(|r| r.mode).unwrap_or_default()
}

/// Something the explorer or the CLI may do to a secret, as far as modes are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModeAction {
    /// Open it and see its key names.
    View,
    /// Copy its path (or a snippet that holds no value).
    CopyPath,
    /// List its versions (KV v2 metadata).
    History,
    /// Show a value.
    Reveal,
    /// Copy a value to the clipboard.
    CopyValue,
    /// Export values (shell exports, .env, JSON, a Kubernetes Secret, a value-bearing snippet).
    Export,
    /// Inject the values into a command's environment (`sesame run`) without showing them.
    Run,
    /// Copy the secret to another path (which reads its values).
    Duplicate,
    /// Write a new version, roll back, change keys.
    Edit,
    /// Rename it in its folder.
    Rename,
    /// Move it to another folder or mount.
    Move,
    /// Delete, destroy or undelete versions, or delete it whole.
    Delete,
    /// Change its mode.
    SetMode,
}

impl ModeAction {
    /// A short verb for messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::CopyPath => "copy the path",
            Self::History => "see the history",
            Self::Reveal => "reveal values",
            Self::CopyValue => "copy values",
            Self::Export => "export values",
            Self::Run => "inject into a command",
            Self::Duplicate => "copy",
            Self::Edit => "edit",
            Self::Rename => "rename",
            Self::Move => "move",
            Self::Delete => "delete",
            Self::SetMode => "set the mode",
        }
    }
}

/// Whether a secret in `mode` allows `action` for a token that is (`admin`) or is not an admin of it.
///
/// Pure: the explorer calls it to disable an action and show why. Admins may change and delete secrets in
/// any mode (the policy is not attached to them); nobody is shown a key-only secret's values, admins
/// included (an admin clears the mode first). [`Permission::Denied`] carries the reason to display.
pub fn permission(mode: Mode, action: ModeAction, admin: bool) -> Permission {
    use ModeAction as A;
    if action == A::SetMode {
        return if admin {
            Permission::Allowed
        } else {
            Permission::Denied(
                "only an admin of this secret (a token that may update its metadata) can change its mode"
                    .into(),
            )
        };
    }
    match (mode, action) {
        (Mode::None, _) => Permission::Allowed,
        (_, A::View | A::CopyPath | A::History | A::Run) => Permission::Allowed,
        (Mode::ReadOnly, A::Reveal | A::CopyValue | A::Export | A::Duplicate) => Permission::Allowed,
        (Mode::KeyOnly, A::Reveal | A::CopyValue | A::Export | A::Duplicate) => Permission::Denied(format!(
            "key-only: sesame shows its key names, never its values, so it cannot {}{}",
            action.label(),
            if admin { " (clear the mode first)" } else { "; `sesame run` can still inject them" }
        )),
        (_, A::Edit | A::Rename | A::Move | A::Delete) => {
            if admin {
                Permission::Allowed
            } else {
                Permission::Denied(format!(
                    "{}: it cannot be {}; an admin can change its mode",
                    mode.as_str(),
                    match action {
                        A::Edit => "edited",
                        A::Rename => "renamed",
                        A::Move => "moved",
                        _ => "deleted",
                    }
                ))
            }
        }
        (_, A::SetMode) => Permission::Allowed,
    }
}

/// Why a mode could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeError {
    /// The token is not an admin of the secret.
    #[error("only an admin can set the mode of {path}: {reason}")]
    NotAdmin {
        /// `mount/path`.
        path: String,
        /// What the server said about the token's capabilities.
        reason: String,
    },
    /// No ACL rule can name this path exactly (glob characters).
    #[error("{path} cannot get a mode: {reason}")]
    Unenforceable {
        /// `mount/path`.
        path: String,
        /// Which character and what the server would make of it.
        reason: String,
    },
    /// The request was wrong or the server refused.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Reads and sets modes over an [`AnnotationStore`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Modes {
    store: AnnotationStore,
}

impl Modes {
    /// Modes over this annotation store (share the explorer's to share its KV v1 cache).
    pub fn new(store: AnnotationStore) -> Self {
        Self { store }
    }

    /// The connection.
    pub fn vault(&self) -> &Vault {
        self.store.vault()
    }

    /// The annotation store.
    pub fn store(&self) -> &AnnotationStore {
        &self.store
    }

    /// The mode of one secret (none when it has none or does not exist). An unknown recorded value reads as
    /// none; [`crate::vault::audit`] reports it.
    pub async fn get(&self, mount: &Mount, path: &str) -> Result<ModeRecord, VaultError> {
        let a = self.store.get(mount, path).await?;
        Ok(ModeRecord::from_annotations(&a).unwrap_or_default())
    }

    /// The API path whose `update` capability makes a token an admin of `path`.
    pub fn admin_api_path(mount: &Mount, path: &str) -> String {
        let m = mount.path.trim_matches('/');
        match mount.version {
            KvVersion::V2 => format!("{m}/metadata/{}", path.trim_matches('/')),
            KvVersion::V1 => format!("{m}/{REGISTRY_PATH}"),
        }
    }

    /// Whether the token is an admin of each path ([`Permission::Allowed`]), in one or a few requests. Never
    /// fails: where the server will not say, the answer is [`Permission::Unknown`].
    pub async fn admin_permissions(&self, mount: &Mount, paths: &[String]) -> Vec<Permission> {
        let api: Vec<String> = paths.iter().map(|p| Self::admin_api_path(mount, p)).collect();
        match self.vault().capabilities(&api).await {
            Ok(caps) => api
                .iter()
                .map(|a| match caps.get(a) {
                    None => Permission::Unknown(format!("the server said nothing about {a}")),
                    Some(c) if c.iter().any(|c| c == "root" || c == "update") => Permission::Allowed,
                    Some(c) => Permission::Denied(format!(
                        "the token may not update {a} (it has {})",
                        if c.is_empty() { "nothing".to_string() } else { c.join(", ") }
                    )),
                })
                .collect(),
            Err(e) => {
                let why = format!("the server would not tell this token's capabilities ({e})");
                api.iter().map(|_| Permission::Unknown(why.clone())).collect()
            }
        }
    }

    /// Whether the token is an admin of one secret. `Unknown` answers count as admin (the server will refuse
    /// the write if not).
    pub async fn is_admin_for(&self, mount: &Mount, path: &str) -> bool {
        let p = self.admin_permissions(mount, &[path.trim_matches('/').to_string()]).await;
        p.first().is_some_and(Permission::may_try)
    }

    /// The key names of a secret as they are now: KV v2 `subkeys` (which sends no value), else a read of the
    /// data whose values are dropped at once. Sorted.
    ///
    /// Errors: [`VaultError::NotFound`] when the secret (or its latest version) is missing or deleted,
    /// [`VaultError::Forbidden`] without read access.
    pub async fn current_keys(&self, mount: &Mount, path: &str) -> Result<Vec<String>, VaultError> {
        let path = path.trim_matches('/');
        let not_found = || VaultError::NotFound { path: format!("{}/{path}", mount.path) };
        if mount.version == KvVersion::V2 {
            let api = format!("{}/subkeys/{}?depth=1", encode_path(&mount.path), encode_path(path));
            match self.vault().call_json("GET", &api, None).await {
                Ok(v) => {
                    let subkeys = v
                        .get("data")
                        .and_then(|d| d.get("subkeys"))
                        .and_then(Value::as_object)
                        .ok_or_else(not_found)?;
                    let mut keys: Vec<String> = subkeys.keys().cloned().collect();
                    keys.sort();
                    return Ok(keys);
                }
                Err(VaultError::NotFound { .. }) => return Err(not_found()),
                Err(VaultError::Forbidden { detail, .. }) => {
                    // subkeys may be refused where data is readable: try the data.
                    tracing::debug!(%detail, "subkeys refused; reading the data for its key names");
                }
                Err(e) if e.is_connection() => return Err(e),
                Err(e) => {
                    tracing::debug!(error = %e, "subkeys unavailable; reading the data for its key names")
                }
            }
        }
        let read = self.vault().read(mount, path, None).await?;
        let data = read.data.ok_or_else(not_found)?;
        let mut keys: Vec<String> = data.keys().map(str::to_string).collect();
        keys.sort();
        Ok(keys)
    }

    /// Sets (or with [`Mode::None`] clears) the mode of a secret, after checking that the token is an admin
    /// of it, recording who (the token's display name) and when (now, UTC), and for key-only the current key
    /// names. Returns the record as stored.
    ///
    /// Errors: [`ModeError::NotAdmin`] for a token that may not update the annotation;
    /// [`ModeError::Unenforceable`] for a path no exact ACL rule can name (see
    /// [`crate::vault::policy::check_enforceable`]); [`VaultError::NotFound`] for a missing secret (or, for
    /// key-only, a deleted latest version); a key list too long to record ([`VaultError::Invalid`]).
    pub async fn set_mode(&self, mount: &Mount, path: &str, mode: Mode) -> Result<ModeRecord, ModeError> {
        let path = path.trim_matches('/').to_string();
        let full = format!("{}/{path}", mount.path);
        if path.is_empty() {
            return Err(VaultError::Invalid(format!(
                "{} is a mount: a mode belongs to a secret",
                mount.path
            ))
            .into());
        }
        if mode != Mode::None
            && let Err(reason) = super::policy::check_enforceable(&mount.path, &path)
        {
            return Err(ModeError::Unenforceable { path: full, reason });
        }
        let perm = self.admin_permissions(mount, std::slice::from_ref(&path)).await;
        if let Some(Permission::Denied(reason)) = perm.into_iter().next() {
            return Err(ModeError::NotAdmin { path: full, reason });
        }
        if !self.vault().exists(mount, &path).await? {
            return Err(VaultError::NotFound { path: full }.into());
        }
        let keys = if mode == Mode::KeyOnly { self.current_keys(mount, &path).await? } else { Vec::new() };
        let who = match self.vault().identity().await {
            // A root token made with a chosen id (dev servers) is displayed as "token".
            Ok(id) if id.display_name == "token" && id.policies.iter().any(|p| p == "root") => {
                "root".to_string()
            }
            Ok(id) if !id.display_name.is_empty() => id.display_name,
            Ok(_) => "unknown".to_string(),
            Err(e) => {
                tracing::debug!(error = %e, "token lookup failed; recording the mode without a name");
                "unknown".to_string()
            }
        };
        let record = ModeRecord { mode, set_by: Some(who), set_at: Some(now_rfc3339()), keys };
        self.store.refresh(Some(&mount.path));
        let current = self.store.get(mount, &path).await?;
        let changes = record.to_changes(&current).map_err(VaultError::Invalid)?;
        let stored =
            self.store.set(mount, &path, &changes).await.map_err(|e| forbidden_as_not_admin(e, &full))?;
        Ok(ModeRecord::from_annotations(&stored).unwrap_or_default())
    }

    /// After an admin saved a key-only secret: records its current key names (a no-op for other modes, or when
    /// they did not change). Returns the record as it now is.
    pub async fn refresh_keys(&self, mount: &Mount, path: &str) -> Result<ModeRecord, VaultError> {
        let path = path.trim_matches('/');
        self.store.refresh(Some(&mount.path));
        let current = self.store.get(mount, path).await?;
        let Ok(mut record) = ModeRecord::from_annotations(&current) else { return Ok(ModeRecord::default()) };
        if record.mode != Mode::KeyOnly {
            return Ok(record);
        }
        let keys = self.current_keys(mount, path).await?;
        if keys == record.keys {
            return Ok(record);
        }
        record.keys = keys;
        let changes: Changes = record
            .to_changes(&current)
            .map_err(VaultError::Invalid)?
            .into_iter()
            .filter(|(k, _)| is_key_chunk(k))
            .collect();
        let stored = self.store.set(mount, path, &changes).await?;
        Ok(ModeRecord::from_annotations(&stored).unwrap_or_default())
    }
}

/// The record of a secret when it is key-only (`None` otherwise, or when its annotations are unreadable):
/// the commands that show, copy or export values call it before reading anything.
pub async fn key_only(store: &AnnotationStore, mount: &Mount, path: &str) -> Option<ModeRecord> {
    let a = store.get(mount, path).await.ok()?;
    ModeRecord::from_annotations(&a).ok().filter(|r| r.mode == Mode::KeyOnly)
}

/// Why a command refuses the values of the key-only secret `full` (`mount/path`).
pub fn values_refused(full: &str) -> String {
    format!(
        "{full} is key-only: sesame shows its key names, never its values (`sesame run` can still inject them; \
         an admin can clear the mode with `sesame mode {full} none`)"
    )
}

fn forbidden_as_not_admin(e: VaultError, full: &str) -> ModeError {
    match e {
        VaultError::Forbidden { detail, .. } => ModeError::NotAdmin {
            path: full.to_string(),
            reason: format!("the server refused to update its annotations ({detail})"),
        },
        other => ModeError::Vault(other),
    }
}

/// Now, as RFC 3339 UTC to the second (`2025-01-31T12:00:00Z`).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(pairs: &[(&str, &str)]) -> Annotations {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn modes_parse_and_print() {
        for m in [Mode::None, Mode::ReadOnly, Mode::KeyOnly] {
            assert_eq!(m.as_str().parse::<Mode>().unwrap(), m);
        }
        assert_eq!("Read-Only".parse::<Mode>().unwrap(), Mode::ReadOnly);
        assert!("ro".parse::<Mode>().unwrap_err().contains("readonly, key-only or none"));
        assert_eq!(serde_json::to_string(&Mode::KeyOnly).unwrap(), "\"key-only\"");
        assert_eq!(serde_json::to_string(&Mode::ReadOnly).unwrap(), "\"readonly\"");
        assert_eq!(Mode::None.tag(), None);
    }

    #[test]
    fn record_round_trips_through_annotations() {
        let keys: Vec<String> = ["B", "A", "é \"q\""].iter().map(|s| s.to_string()).collect();
        let rec = ModeRecord {
            mode: Mode::KeyOnly,
            set_by: Some("root".into()),
            set_at: Some("2025-01-01T00:00:00Z".into()),
            keys: keys.clone(),
        };
        let current = ann(&[("type", "Opaque"), ("mode.keys.2", "stale")]);
        let ch = rec.to_changes(&current).unwrap();
        assert_eq!(ch.get("mode.keys.2"), Some(&None));
        assert!(!ch.contains_key("type"));
        let mut a = current.clone();
        super::super::annotations::apply_changes(&mut a, &ch);
        let back = ModeRecord::from_annotations(&a).unwrap();
        assert_eq!(back.keys, ["A", "B", "é \"q\""]);
        assert_eq!(back.mode, Mode::KeyOnly);
        assert_eq!(a.get("type").map(String::as_str), Some("Opaque"));
        // Clearing removes every mode annotation and keeps the others.
        let none = ModeRecord::default().to_changes(&a).unwrap();
        super::super::annotations::apply_changes(&mut a, &none);
        assert_eq!(a, ann(&[("type", "Opaque")]));
        assert!(ModeRecord::from_annotations(&ann(&[("mode", "ro")])).is_err());
        assert_eq!(mode_of(&ann(&[("mode", "ro")])), Mode::None);
    }

    #[test]
    fn long_key_lists_are_split_or_refused() {
        let keys: Vec<String> = (0..100).map(|i| format!("KEY_NUMBER_{i:03}")).collect();
        let chunks = key_chunks(&keys).unwrap();
        assert!(chunks.len() > 1 && chunks.len() <= MAX_KEY_CHUNKS, "{}", chunks.len());
        assert!(chunks.iter().all(|c| c.len() <= MAX_VALUE_LEN));
        let rec = ModeRecord { mode: Mode::KeyOnly, keys: keys.clone(), ..Default::default() };
        let mut a = Annotations::new();
        let ch = rec.to_changes(&a).unwrap();
        super::super::annotations::apply_changes(&mut a, &ch);
        assert!(a.contains_key("mode.keys.2"));
        assert_eq!(ModeRecord::from_annotations(&a).unwrap().keys, keys);
        let huge: Vec<String> = (0..400).map(|i| format!("A_RATHER_LONG_KEY_NAME_{i:04}")).collect();
        let e = key_chunks(&huge).unwrap_err();
        assert!(e.contains("4096") && e.contains("400 key names"), "{e}");
        // Multi-byte characters are never split.
        let wide: Vec<String> = (0..60).map(|i| format!("clé-ünïcødé-{i}")).collect();
        for c in key_chunks(&wide).unwrap() {
            assert!(c.len() <= MAX_VALUE_LEN);
        }
    }

    #[test]
    fn what_each_mode_allows() {
        use ModeAction as A;
        let all = [
            A::View,
            A::CopyPath,
            A::History,
            A::Reveal,
            A::CopyValue,
            A::Export,
            A::Run,
            A::Duplicate,
            A::Edit,
            A::Rename,
            A::Move,
            A::Delete,
        ];
        for a in all {
            assert_eq!(permission(Mode::None, a, false), Permission::Allowed, "{a:?}");
        }
        let ro = |a, admin| permission(Mode::ReadOnly, a, admin);
        for a in [A::View, A::CopyPath, A::Reveal, A::CopyValue, A::Export, A::Run, A::Duplicate] {
            assert_eq!(ro(a, false), Permission::Allowed, "{a:?}");
        }
        for a in [A::Edit, A::Rename, A::Move, A::Delete] {
            assert!(matches!(ro(a, false), Permission::Denied(r) if r.starts_with("readonly")), "{a:?}");
            assert_eq!(ro(a, true), Permission::Allowed);
        }
        let ko = |a, admin| permission(Mode::KeyOnly, a, admin);
        for a in [A::View, A::CopyPath, A::History, A::Run] {
            assert_eq!(ko(a, false), Permission::Allowed, "{a:?}");
        }
        for a in [A::Reveal, A::CopyValue, A::Export, A::Duplicate] {
            for admin in [false, true] {
                assert!(matches!(ko(a, admin), Permission::Denied(r) if r.starts_with("key-only")), "{a:?}");
            }
        }
        assert!(matches!(ko(A::Delete, false), Permission::Denied(_)));
        assert_eq!(ko(A::Edit, true), Permission::Allowed);
        assert!(
            matches!(permission(Mode::None, A::SetMode, false), Permission::Denied(r) if r.contains("admin"))
        );
        assert_eq!(permission(Mode::KeyOnly, A::SetMode, true), Permission::Allowed);
    }

    #[test]
    fn admin_paths() {
        let v2 = Mount { path: "kv".into(), version: KvVersion::V2, description: String::new() };
        let v1 = Mount { path: "old".into(), version: KvVersion::V1, description: String::new() };
        assert_eq!(Modes::admin_api_path(&v2, "/a/b/"), "kv/metadata/a/b");
        assert_eq!(Modes::admin_api_path(&v1, "a/b"), "old/.sesame/annotations");
        let t = now_rfc3339();
        assert!(t.ends_with('Z') && t.len() == 20, "{t}");
    }
}
