//! Copy, move and rename secrets and whole folders, across mounts and KV versions, client-side; and the
//! recursive delete of a folder.
//!
//! # One secret
//! 1. Read the source's latest version (and, KV v2 to KV v2, its custom_metadata).
//! 2. Write the destination create-only ([`Expected::Absent`]), or with check-and-set against what is
//!    there when overwriting was asked for.
//! 3. Carry the metadata, then read the destination back and verify data and metadata. KV v2 to KV v2: the
//!    whole custom_metadata (other tools' keys too). Otherwise sesame's annotations
//!    ([`crate::vault::annotations`]: the secret type, value encodings…), which live in KV v2 custom_metadata
//!    or in a KV v1 mount's registry secret.
//! 4. Move only: check the source is still what was copied, then delete it (KV v2: every version, unless
//!    [`TransferOptions::keep_source_versions`]) and its KV v1 annotations.
//!
//! The source is never touched before the copy is verified, so a failure at any step leaves the secret
//! live at the source. A destination created by a failed step is removed again (best effort; the report
//! says when that failed too).
//!
//! # Folders and batches
//! A folder is walked ([`walk_detailed`]) and its secrets transferred with bounded concurrency on the
//! caller's task. A connection failure (server stopped, sealed, unreachable) or a cancellation
//! ([`BatchProgress::cancel`]) stops new items from starting; the [`BatchReport`] then says exactly which
//! items were done, which failed (and how), and which were not attempted.
//!
//! A KV v1 mount's annotation registry (`.sesame/annotations`) is never transferred or deleted as a secret:
//! the annotations it holds travel with their secrets.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::stream::{self, StreamExt};

use super::annotations::{AnnotationStore, REGISTRY_PATH};
use super::error::VaultError;
use super::kv::{KvVersion, Mount, Vault};
use super::walk::{WalkOptions, WalkResult, walk_detailed};
use super::write::{DeleteMode, Expected, PLACEHOLDER, is_placeholder, join, placeholder_data};
use crate::secret::SecretData;
use crate::secret::diff::same_data;
use crate::secret::rules;

/// A secret or folder: a mount and a path inside it (`""` for the mount's root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The KV mount.
    pub mount: Mount,
    /// The path inside the mount, without leading or trailing slashes.
    pub path: String,
}

impl Location {
    /// A location; slashes around `path` are dropped.
    pub fn new(mount: Mount, path: &str) -> Self {
        Self { mount, path: path.trim_matches('/').to_string() }
    }

    /// `mount/path`, as users write it.
    pub fn display(&self) -> String {
        join(&self.mount.path, &self.path)
    }

    /// The location of `rel` below this one.
    pub fn child(&self, rel: &str) -> Self {
        Self { mount: self.mount.clone(), path: join(&self.path, rel) }
    }
}

/// Copy leaves the source; move deletes it once the copy is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMode {
    /// Copy.
    Copy,
    /// Copy, verify, delete the source (also a rename).
    Move,
}

/// How a transfer behaves.
#[derive(Debug, Clone)]
pub struct TransferOptions {
    /// Overwrite existing destinations (with check-and-set against what was seen there). Off: a secret
    /// that exists at the destination fails, and a folder whose destination lists anything but a `.keep`
    /// is refused before anything is written.
    pub overwrite: bool,
    /// Move from KV v2: soft-delete only the source's latest version (its history stays, undeletable)
    /// instead of removing every version.
    pub keep_source_versions: bool,
    /// Walk options for folders; `concurrency` also bounds the secrets transferred at once.
    pub walk: WalkOptions,
}

impl Default for TransferOptions {
    fn default() -> Self {
        Self {
            overwrite: false,
            keep_source_versions: false,
            walk: WalkOptions { concurrency: 8, use_scan: true, ..WalkOptions::default() },
        }
    }
}

/// What became of one item of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemStatus {
    /// Copied and verified (copy), moved (move: the source is gone), or deleted (delete).
    Done,
    /// Move: the copy is verified but the source was not deleted (it changed meanwhile, or the delete
    /// failed): the secret now exists at both places.
    SourceKept {
        /// Why the source stayed.
        reason: String,
    },
    /// Nothing was done to the source. The destination holds nothing from this item unless
    /// `partial_destination` (then the reason says what is left there).
    Failed {
        /// What went wrong, at which step.
        reason: String,
        /// True when something may be left at the destination.
        partial_destination: bool,
    },
    /// Not started: the batch was stopped (connection lost or cancelled) before this item.
    NotAttempted,
}

/// One item of a [`BatchReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemReport {
    /// `mount/path` of the source (or of the secret deleted).
    pub source: String,
    /// `mount/path` of the destination (none for a delete).
    pub destination: Option<String>,
    /// What happened.
    pub status: ItemStatus,
}

/// The outcome of a batch: every item, sorted by source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Every item found, whatever became of it.
    pub items: Vec<ItemReport>,
    /// Subfolders (`mount/path`) the token may not list: their content was not seen, so not handled.
    pub denied_folders: Vec<String>,
    /// Why the batch stopped early, if it did.
    pub halted: Option<String>,
    /// Placeholders (`mount/…/.keep`) removed at the destination because their folder now holds data.
    pub placeholders_removed: Vec<String>,
    /// Things worth saying that did not make an item fail (annotations that could not be carried or removed).
    pub notes: Vec<String>,
}

impl BatchReport {
    fn with(&self, f: impl Fn(&ItemStatus) -> bool) -> Vec<&ItemReport> {
        self.items.iter().filter(|i| f(&i.status)).collect()
    }

    /// Items done.
    pub fn done(&self) -> Vec<&ItemReport> {
        self.with(|s| matches!(s, ItemStatus::Done))
    }

    /// Items copied whose source was kept (move only).
    pub fn source_kept(&self) -> Vec<&ItemReport> {
        self.with(|s| matches!(s, ItemStatus::SourceKept { .. }))
    }

    /// Items that failed.
    pub fn failed(&self) -> Vec<&ItemReport> {
        self.with(|s| matches!(s, ItemStatus::Failed { .. }))
    }

    /// Items not attempted.
    pub fn not_attempted(&self) -> Vec<&ItemReport> {
        self.with(|s| matches!(s, ItemStatus::NotAttempted))
    }

    /// True when every item is done and no folder was hidden from the walk.
    pub fn is_complete(&self) -> bool {
        self.items.iter().all(|i| i.status == ItemStatus::Done) && self.denied_folders.is_empty()
    }

    /// `12 moved, 1 failed, 3 not attempted` (`verb`: moved, copied, deleted).
    pub fn summary(&self, verb: &str) -> String {
        let mut parts = vec![format!("{} {verb}", self.done().len())];
        let kept = self.source_kept().len();
        if kept > 0 {
            parts.push(format!("{kept} copied but source kept"));
        }
        for (n, what) in [(self.failed().len(), "failed"), (self.not_attempted().len(), "not attempted")] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if !self.denied_folders.is_empty() {
            parts.push(format!("{} folders not listable", self.denied_folders.len()));
        }
        parts.join(", ")
    }
}

/// A step of a batch, for an observer (see [`BatchProgress::with_observer`]).
#[derive(Debug, Clone, Copy)]
pub enum BatchEvent<'a> {
    /// A transfer's destination was written and verified; the source (of a move) is untouched so far.
    Verified {
        /// `mount/path` of the source.
        source: &'a str,
        /// `mount/path` of the destination.
        destination: &'a str,
    },
    /// An item is finished (whatever its status).
    Finished(&'a ItemReport),
}

/// Observer of batch events: called on the batch's task, keep it short.
pub type Observer = Box<dyn Fn(&BatchEvent<'_>) + Send + Sync>;

/// Live counters of a batch, polled from another task (a progress bar), and its cancel switch.
#[derive(Default)]
pub struct BatchProgress {
    /// Items to handle (known once the walk is done).
    pub total: AtomicUsize,
    /// Items finished, whatever their status.
    pub finished: AtomicUsize,
    /// Items finished with another status than done.
    pub failed: AtomicUsize,
    cancelled: AtomicBool,
    observer: Option<Observer>,
}

impl std::fmt::Debug for BatchProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchProgress")
            .field("total", &self.total)
            .field("finished", &self.finished)
            .field("failed", &self.failed)
            .field("cancelled", &self.cancelled)
            .finish_non_exhaustive()
    }
}

impl BatchProgress {
    /// Counters with an observer called at each [`BatchEvent`].
    pub fn with_observer(observer: impl Fn(&BatchEvent<'_>) + Send + Sync + 'static) -> Self {
        Self { observer: Some(Box::new(observer)), ..Self::default() }
    }

    /// Asks the batch to start no new item (items in flight finish).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// True once [`BatchProgress::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    fn emit(&self, event: &BatchEvent<'_>) {
        if let Some(o) = &self.observer {
            o(event);
        }
    }
}

/// Shared state of one running batch.
struct Run<'a> {
    progress: Option<&'a BatchProgress>,
    halted: std::sync::Mutex<Option<String>>,
    stop: AtomicBool,
    /// Annotations, with each KV v1 registry read once per batch.
    annotations: AnnotationStore,
    notes: std::sync::Mutex<Vec<String>>,
}

impl<'a> Run<'a> {
    fn new(vault: &Vault, progress: Option<&'a BatchProgress>, total: usize) -> Self {
        if let Some(p) = progress {
            p.total.store(total, Ordering::SeqCst);
        }
        Self {
            progress,
            halted: std::sync::Mutex::new(None),
            stop: AtomicBool::new(false),
            annotations: AnnotationStore::new(vault.clone()),
            notes: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn note(&self, what: String) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(what);
        }
    }

    fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// True when new items must not start; records why.
    fn should_stop(&self) -> bool {
        if self.progress.is_some_and(BatchProgress::is_cancelled) {
            self.halt("cancelled");
        }
        self.stop.load(Ordering::SeqCst)
    }

    fn halt(&self, why: &str) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(mut h) = self.halted.lock()
            && h.is_none()
        {
            *h = Some(why.to_string());
        }
    }

    /// Notes an error: a connection failure stops the batch.
    fn saw(&self, e: &VaultError) {
        if e.is_connection() {
            self.halt(&format!("stopped after a connection failure: {e}"));
        }
    }

    fn emit(&self, event: &BatchEvent<'_>) {
        if let Some(p) = self.progress {
            p.emit(event);
        }
    }

    fn finish(&self, item: ItemReport) -> ItemReport {
        if let Some(p) = self.progress {
            p.finished.fetch_add(1, Ordering::SeqCst);
            if item.status != ItemStatus::Done {
                p.failed.fetch_add(1, Ordering::SeqCst);
            }
        }
        self.emit(&BatchEvent::Finished(&item));
        item
    }

    fn halted(&self) -> Option<String> {
        self.halted.lock().ok().and_then(|h| h.clone())
    }

    /// Removes the annotations of a deleted KV v1 secret from its mount's registry (best effort: a failure
    /// becomes a note).
    async fn forget_annotations(&self, mount: &Mount, path: &str) {
        if mount.version != KvVersion::V1 {
            return;
        }
        if let Err(e) = self.annotations.remove(mount, path).await {
            self.saw(&e);
            self.note(format!("the annotations of {} stay in {REGISTRY_PATH}: {e}", join(&mount.path, path)));
        }
    }
}

/// True for a KV v1 mount's annotation registry.
fn is_registry(loc: &Location) -> bool {
    loc.mount.version == KvVersion::V1 && loc.path == REGISTRY_PATH
}

/// The walk's result without a KV v1 mount's annotation registry.
fn user_secrets(mount: &Mount, mut found: WalkResult) -> WalkResult {
    if mount.version == KvVersion::V1 {
        found.secrets.retain(|p| p != REGISTRY_PATH);
    }
    found
}

fn failed(step: &str, e: &VaultError) -> ItemStatus {
    ItemStatus::Failed { reason: format!("{step}: {e}"), partial_destination: false }
}

fn invalid_dest(path: &str) -> Result<(), VaultError> {
    if path.is_empty() {
        return Ok(());
    }
    rules::check_path(path)
        .map_err(|reason| VaultError::Invalid(format!("invalid destination {path:?}: {reason}")))
}

/// True when some item reached the destination (done, or copied with the source kept).
fn wrote_any(items: &[ItemReport]) -> bool {
    items.iter().any(|i| !matches!(i.status, ItemStatus::Failed { .. } | ItemStatus::NotAttempted))
}

impl Vault {
    /// Where a copy or a move of `src` goes when the user names `dst` (`mount/path`), as mv(1), `cp -r` and the
    /// cloud CLIs decide: inside `dst`, under the source's own name, when `dst` is an existing folder (a mount's
    /// root always is); otherwise `dst` itself, which renames the source.
    ///
    /// For a secret source, `dst` ending with `/` names a folder (existing or not) to put the secret into, and an
    /// existing secret at `dst` is the destination itself (overwritten only when asked) even when a folder of
    /// the same name exists. For a folder source a trailing `/` changes nothing.
    pub async fn transfer_destination(
        &self,
        src: &Location,
        src_is_folder: bool,
        dst: &str,
    ) -> Result<Location, VaultError> {
        let (mount, path) = self.locate(dst).await?;
        let inside = if path.is_empty() {
            true
        } else if src_is_folder {
            !self.list(&mount, &path).await?.is_empty()
        } else if dst.ends_with('/') {
            true
        } else if self.exists(&mount, &path).await? {
            false
        } else {
            !self.list(&mount, &path).await?.is_empty()
        };
        if !inside {
            return Ok(Location::new(mount, &path));
        }
        let name = match src.path.rsplit('/').next() {
            Some(n) if !n.is_empty() => n,
            _ => src.mount.path.as_str(),
        };
        Ok(Location::new(mount, &join(&path, name)))
    }

    /// Copies or moves one secret (a rename is a move in the same folder). Errors only for a refused
    /// request (invalid name, same place); everything else is in the one-item report.
    pub async fn transfer_secret(
        &self,
        src: &Location,
        dst: &Location,
        mode: TransferMode,
        opts: &TransferOptions,
        progress: Option<&BatchProgress>,
    ) -> Result<BatchReport, VaultError> {
        if src.path.is_empty() || dst.path.is_empty() {
            return Err(VaultError::Invalid("give secrets, not mounts, to copy or move".to_string()));
        }
        invalid_dest(&dst.path)?;
        if src == dst {
            return Err(VaultError::Invalid(format!(
                "{} is both the source and the destination",
                src.display()
            )));
        }
        if is_registry(src) || is_registry(dst) {
            return Err(VaultError::Invalid(format!(
                "{REGISTRY_PATH} holds sesame's annotations of a KV v1 mount: it is not moved as a secret"
            )));
        }
        let run = Run::new(self, progress, 1);
        let item = run.finish(self.transfer_one(src, dst, mode, opts, &run).await);
        let mut report = BatchReport {
            items: vec![item],
            halted: run.halted(),
            notes: run.notes(),
            ..BatchReport::default()
        };
        if wrote_any(&report.items) {
            report.placeholders_removed = self.tidy_placeholders(&dst.mount, &dst.path, false).await;
        }
        Ok(report)
    }

    /// Copies or moves every secret below folder `src` to the same relative paths below `dst`.
    ///
    /// Refused before anything is written: invalid destination, `dst` inside `src`, an empty source, or
    /// (without [`TransferOptions::overwrite`]) a destination folder that lists anything but a `.keep`.
    /// Otherwise every secret found is in the report.
    pub async fn transfer_folder(
        &self,
        src: &Location,
        dst: &Location,
        mode: TransferMode,
        opts: &TransferOptions,
        progress: Option<&BatchProgress>,
    ) -> Result<BatchReport, VaultError> {
        invalid_dest(&dst.path)?;
        if src.mount.path == dst.mount.path
            && (src.path == dst.path
                || src.path.is_empty()
                || dst.path.starts_with(&format!("{}/", src.path)))
        {
            return Err(VaultError::Invalid(format!(
                "cannot {} {} into itself ({})",
                if mode == TransferMode::Move { "move" } else { "copy" },
                src.display(),
                dst.display()
            )));
        }
        if !opts.overwrite {
            let existing = self.list(&dst.mount, &dst.path).await?;
            if existing.iter().any(|e| e.is_folder || e.name != PLACEHOLDER) {
                return Err(VaultError::Invalid(format!(
                    "{}/ already exists and is not empty: choose another destination, or overwrite",
                    dst.display()
                )));
            }
        }
        let found =
            user_secrets(&src.mount, walk_detailed(self, &src.mount, &src.path, &opts.walk, None).await?);
        if found.secrets.is_empty() && found.denied.is_empty() {
            return Err(VaultError::NotFound { path: format!("{}/", src.display()) });
        }
        let prefix = if src.path.is_empty() { String::new() } else { format!("{}/", src.path) };
        let pairs: Vec<(Location, Location)> = found
            .secrets
            .iter()
            .map(|p| {
                let rel = p.strip_prefix(&prefix).unwrap_or(p);
                (Location::new(src.mount.clone(), p), dst.child(rel))
            })
            .collect();
        let run = Run::new(self, progress, pairs.len());
        let concurrency = opts.walk.concurrency.max(1);
        let run_ref = &run;
        let mut items: Vec<ItemReport> = stream::iter(pairs.iter())
            .map(|(s, d)| async move {
                if run_ref.should_stop() {
                    return run_ref.finish(ItemReport {
                        source: s.display(),
                        destination: Some(d.display()),
                        status: ItemStatus::NotAttempted,
                    });
                }
                run_ref.finish(self.transfer_one(s, d, mode, opts, run_ref).await)
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        items.sort_by(|a, b| a.source.cmp(&b.source));
        let placeholders_removed = if wrote_any(&items) && !run.stop.load(Ordering::SeqCst) {
            self.tidy_placeholders(&dst.mount, &dst.path, true).await
        } else {
            Vec::new()
        };
        Ok(BatchReport {
            items,
            denied_folders: found.denied.iter().map(|d| join(&src.mount.path, d)).collect(),
            halted: run.halted(),
            placeholders_removed,
            notes: run.notes(),
        })
    }

    /// Counts the secrets below a folder (for the delete confirmation): the walk's result, with the
    /// subfolders the token may not list (a KV v1 annotation registry is not counted).
    pub async fn count_secrets(
        &self,
        folder: &Location,
        opts: &WalkOptions,
    ) -> Result<WalkResult, VaultError> {
        Ok(user_secrets(&folder.mount, walk_detailed(self, &folder.mount, &folder.path, opts, None).await?))
    }

    /// Deletes every secret below a folder ([`DeleteMode::Latest`] or [`DeleteMode::AllVersions`]), with
    /// bounded concurrency, stopping on a connection failure or cancellation. On KV v1 the annotations of
    /// the deleted secrets are removed from the mount's registry afterwards (KV v2 keeps them in the
    /// metadata, which goes with [`DeleteMode::AllVersions`] and stays for undeletion otherwise).
    pub async fn delete_folder(
        &self,
        folder: &Location,
        mode: &DeleteMode,
        opts: &WalkOptions,
        progress: Option<&BatchProgress>,
    ) -> Result<BatchReport, VaultError> {
        if matches!(mode, DeleteMode::Versions(_)) {
            return Err(VaultError::Invalid(
                "a folder is deleted latest versions or all versions".to_string(),
            ));
        }
        let found = self.count_secrets(folder, opts).await?;
        let run = Run::new(self, progress, found.secrets.len());
        let run_ref = &run;
        let mut items: Vec<ItemReport> = stream::iter(found.secrets.iter())
            .map(|p| async move {
                let mut item = ItemReport {
                    source: join(&folder.mount.path, p),
                    destination: None,
                    status: ItemStatus::NotAttempted,
                };
                if !run_ref.should_stop() {
                    item.status = match self.delete_secret(&folder.mount, p, mode).await {
                        Ok(()) => ItemStatus::Done,
                        Err(e) => {
                            run_ref.saw(&e);
                            failed("deleting", &e)
                        }
                    };
                }
                run_ref.finish(item)
            })
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        items.sort_by(|a, b| a.source.cmp(&b.source));
        if folder.mount.version == KvVersion::V1 && !run.stop.load(Ordering::SeqCst) {
            // One at a time: they all update the same registry secret.
            let prefix = format!("{}/", folder.mount.path);
            for item in items.iter().filter(|i| i.status == ItemStatus::Done) {
                if let Some(path) = item.source.strip_prefix(&prefix) {
                    run.forget_annotations(&folder.mount, path).await;
                }
            }
        }
        Ok(BatchReport {
            items,
            denied_folders: found.denied.iter().map(|d| join(&folder.mount.path, d)).collect(),
            halted: run.halted(),
            placeholders_removed: Vec::new(),
            notes: run.notes(),
        })
    }

    /// One secret: copy, verify, and for a move delete the source.
    async fn transfer_one(
        &self,
        src: &Location,
        dst: &Location,
        mode: TransferMode,
        opts: &TransferOptions,
        run: &Run<'_>,
    ) -> ItemReport {
        let status = self.transfer_steps(src, dst, mode, opts, run).await;
        ItemReport { source: src.display(), destination: Some(dst.display()), status }
    }

    async fn transfer_steps(
        &self,
        src: &Location,
        dst: &Location,
        mode: TransferMode,
        opts: &TransferOptions,
        run: &Run<'_>,
    ) -> ItemStatus {
        let fail = |step: &str, e: &VaultError| {
            run.saw(e);
            failed(step, e)
        };
        // 1. The source.
        let read = match self.read(&src.mount, &src.path, None).await {
            Ok(r) => r,
            Err(e) => return fail("reading the source", &e),
        };
        let Some(data) = read.data else {
            return ItemStatus::Failed {
                reason: "the source's latest version is deleted or destroyed: undelete it first".to_string(),
                partial_destination: false,
            };
        };
        let src_version = read.version.as_ref().map(|v| v.version);
        // KV v2 to KV v2 carries the whole custom_metadata; across engines only sesame's annotations go along.
        let custom: Option<BTreeMap<String, String>> =
            if src.mount.version == KvVersion::V2 && dst.mount.version == KvVersion::V2 {
                match self.metadata(&src.mount, &src.path).await {
                    Ok(m) => Some(m.custom_metadata),
                    Err(e) => return fail("reading the source's metadata", &e),
                }
            } else {
                None
            };
        // A placeholder changes shape between engines (KV v1 refuses `{}`).
        let placeholder = is_placeholder(&src.path);
        let to_write = if placeholder && data.pairs.is_empty() && dst.mount.version == KvVersion::V1 {
            placeholder_data(KvVersion::V1)
        } else {
            data.clone()
        };

        // 2. The destination.
        let expected = if opts.overwrite {
            match self.snapshot(&dst.mount, &dst.path).await {
                Ok(s) => s.expected,
                Err(e) => return fail("reading the destination", &e),
            }
        } else {
            Expected::Absent
        };
        let created = expected == Expected::Absent;
        match self.write_data(&dst.mount, &dst.path, &to_write, &expected).await {
            Ok(_) => {}
            Err(VaultError::CasMismatch { .. }) if placeholder && created => {
                // The destination folder already has its placeholder: nothing to copy.
                return self.finish_move(src, &data, src_version, mode, opts, run).await;
            }
            Err(VaultError::CasMismatch { .. }) => {
                let reason = if created {
                    "the destination already exists (not overwritten)".to_string()
                } else {
                    "the destination changed while copying (not overwritten)".to_string()
                };
                return ItemStatus::Failed { reason, partial_destination: false };
            }
            Err(e @ (VaultError::Unreachable { .. } | VaultError::Timeout { .. })) => {
                run.saw(&e);
                return ItemStatus::Failed {
                    reason: format!(
                        "writing the destination: {e}; the server may or may not have applied the write"
                    ),
                    partial_destination: true,
                };
            }
            Err(e) => return fail("writing the destination", &e),
        }

        // 3. Metadata, then verify.
        if let Err(reason) = self.finish_copy(src, dst, &to_write, custom.as_ref(), created, run).await {
            return self.undo_copy(dst, created, reason, run).await;
        }
        let (s, d) = (src.display(), dst.display());
        run.emit(&BatchEvent::Verified { source: &s, destination: &d });

        // 4. The source (move only).
        self.finish_move(src, &data, src_version, mode, opts, run).await
    }

    /// After the destination's data was written: writes the source's custom_metadata (`custom`, given from KV
    /// v2 to KV v2) or else carries sesame's annotations (across engines), and verifies what the destination now
    /// holds. The error is the reason to undo the copy.
    async fn finish_copy(
        &self,
        src: &Location,
        dst: &Location,
        written: &SecretData,
        custom: Option<&BTreeMap<String, String>>,
        created: bool,
        run: &Run<'_>,
    ) -> Result<(), String> {
        let saw = |what: &str, e: VaultError| {
            run.saw(&e);
            format!("{what}: {e}")
        };
        if let Some(custom) = custom
            && (!custom.is_empty() || !created)
        {
            self.set_custom_metadata(&dst.mount, &dst.path, custom)
                .await
                .map_err(|e| saw("writing the destination's custom_metadata", e))?;
        }
        let back =
            self.read(&dst.mount, &dst.path, None).await.map_err(|e| saw("verifying the destination", e))?;
        if !back.data.as_ref().is_some_and(|d| same_data(d, written)) {
            return Err("verifying the destination: it does not hold what was written".into());
        }
        if let Some(custom) = custom {
            let m = self
                .metadata(&dst.mount, &dst.path)
                .await
                .map_err(|e| saw("verifying the destination's metadata", e))?;
            if &m.custom_metadata != custom {
                return Err("verifying the destination: its custom_metadata differs".into());
            }
        }
        if custom.is_none() {
            // sesame's annotations (KV v1 registry or KV v2 custom_metadata) across engines.
            match run.annotations.copy_annotations(&src.mount, &src.path, &dst.mount, &dst.path).await {
                Ok(()) => {}
                Err(VaultError::Forbidden { path, .. }) => run.note(format!(
                    "the annotations of {} were not carried: permission denied on {path}",
                    src.display()
                )),
                Err(e) => return Err(saw("copying the annotations", e)),
            }
        }
        Ok(())
    }

    /// After a verified copy: for a move, deletes the source if it is still what was copied.
    async fn finish_move(
        &self,
        src: &Location,
        copied: &SecretData,
        copied_version: Option<u64>,
        mode: TransferMode,
        opts: &TransferOptions,
        run: &Run<'_>,
    ) -> ItemStatus {
        if mode == TransferMode::Copy {
            return ItemStatus::Done;
        }
        let kept = |reason: String| ItemStatus::SourceKept { reason };
        match self.read(&src.mount, &src.path, None).await {
            Ok(now)
                if now.version.as_ref().map(|v| v.version) == copied_version
                    && now.data.as_ref().is_some_and(|d| same_data(d, copied)) => {}
            Ok(_) => return kept("the source changed during the move: both copies are kept".to_string()),
            Err(e) => {
                run.saw(&e);
                return kept(format!("re-reading the source before deleting it: {e}"));
            }
        }
        let how = if opts.keep_source_versions { DeleteMode::Latest } else { DeleteMode::AllVersions };
        match self.delete_secret(&src.mount, &src.path, &how).await {
            Ok(()) => {
                run.forget_annotations(&src.mount, &src.path).await;
                ItemStatus::Done
            }
            Err(e) => {
                run.saw(&e);
                kept(format!("deleting the source: {e}"))
            }
        }
    }

    /// A copy failed after its destination was written: removes the destination if this copy created it.
    async fn undo_copy(&self, dst: &Location, created: bool, reason: String, run: &Run<'_>) -> ItemStatus {
        if !created {
            return ItemStatus::Failed {
                reason: format!("{reason}; the destination was overwritten and is left as is"),
                partial_destination: true,
            };
        }
        let removed = self.delete_secret(&dst.mount, &dst.path, &DeleteMode::AllVersions).await;
        if removed.is_ok() {
            run.forget_annotations(&dst.mount, &dst.path).await;
        }
        match removed {
            Ok(()) => ItemStatus::Failed {
                reason: format!("{reason}; the partial copy was removed"),
                partial_destination: false,
            },
            Err(e) => ItemStatus::Failed {
                reason: format!("{reason}; removing the partial copy failed too ({e})"),
                partial_destination: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(src: &str, status: ItemStatus) -> ItemReport {
        ItemReport { source: src.into(), destination: Some(format!("d/{src}")), status }
    }

    #[test]
    fn report_summary() {
        let r = BatchReport {
            items: vec![
                item("a", ItemStatus::Done),
                item("b", ItemStatus::Done),
                item("c", ItemStatus::SourceKept { reason: "x".into() }),
                item("d", ItemStatus::Failed { reason: "y".into(), partial_destination: false }),
                item("e", ItemStatus::NotAttempted),
            ],
            ..BatchReport::default()
        };
        assert_eq!(r.summary("moved"), "2 moved, 1 copied but source kept, 1 failed, 1 not attempted");
        assert!(!r.is_complete());
        let ok = BatchReport { items: vec![item("a", ItemStatus::Done)], ..BatchReport::default() };
        assert!(ok.is_complete());
        assert_eq!(ok.summary("copied"), "1 copied");
    }

    #[test]
    fn locations() {
        let m = Mount { path: "kv".into(), version: KvVersion::V2, description: String::new() };
        let l = Location::new(m, "/a/b/");
        assert_eq!(l.display(), "kv/a/b");
        assert_eq!(l.child("c/d").display(), "kv/a/b/c/d");
    }

    #[test]
    fn cancel_stops_new_items() {
        let p = BatchProgress::default();
        let v = Vault::connect("http://127.0.0.1:1", "t").unwrap();
        let run = Run::new(&v, Some(&p), 3);
        assert!(!run.should_stop());
        p.cancel();
        assert!(run.should_stop());
        assert_eq!(run.halted().as_deref(), Some("cancelled"));
        assert_eq!(p.total.load(Ordering::SeqCst), 3);
    }
}
