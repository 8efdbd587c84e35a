//! The finder's index: every secret path below a set of roots (KV mounts, or folders inside them).
//!
//! # Building ([`build`])
//! Per root, the token's capabilities on the root's listing path are asked first (`sys/capabilities-self`):
//! with `scan` (or `root`), one recursive SCAN lists the whole root ([`crate::vault::walk`] falls back to the
//! LIST walk when the server refuses it after all). Without it, the root is listed level by level (secrets
//! sent as each folder answers) until there are [`MIN_SUBTREES`] subfolders (or [`MAX_SPLIT_LEVELS`] levels),
//! and each of those is walked with [`walk::walk_detailed`] (SCAN there too where the token may scan that
//! subfolder): up to a quarter of the requests in flight as separate subtrees, each with its share of the
//! rest. So results stream in one subtree at a time while the index grows, and [`BuildProgress`] counts
//! folders listed, secrets found and folders denied as they go.
//!
//! [`spawn`] runs it on its own task and hands back a channel of events and the counters: the TUI's way.
//!
//! Folders the token may not list are skipped and counted ([`BuildEvent::Denied`]), never an error that
//! stops the rest; a root that fails otherwise (a walk limit, the server gone) is reported
//! ([`BuildEvent::RootFailed`]) and the other roots are still indexed.
//!
//! # Bounds
//! At most [`BuildOptions::max_paths`] paths ([`DEFAULT_MAX_PATHS`] by default): past it the build stops,
//! [`BuildEvent::Finished`] says `truncated`, and [`Index::insert`] refuses more ([`IndexFull`]). The walks
//! keep their own bounds (depth, folders per walk: [`WalkOptions`]).
//!
//! # Memory
//! Paths live in one string arena as `mount/path`, each entry a 12-byte slot (offset, length, mount), plus
//! an 8-byte hash per path to refuse duplicates: 100,000 paths of 40 bytes take about 6 MB.
//!
//! # Updates
//! [`Index::insert`], [`Index::remove`] and [`Index::rename`] (a secret or a whole folder, also across
//! mounts) keep the index true after sesame's own writes, without a rebuild.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::stream::{self, StreamExt};

use crate::vault::VaultError;
use crate::vault::kv::{Mount, Vault, list_api_path};
use crate::vault::walk::{self, WalkOptions, WalkProgress};

/// Paths an index holds at most unless told otherwise.
pub const DEFAULT_MAX_PATHS: usize = 1_000_000;

/// Subfolders a root is split into at least (listing up to [`MAX_SPLIT_LEVELS`] levels below it) before
/// each is walked on its own, so that results stream in one subtree at a time.
pub const MIN_SUBTREES: usize = 16;

/// Levels below a root listed at most to find [`MIN_SUBTREES`] subfolders.
pub const MAX_SPLIT_LEVELS: usize = 2;

/// Where a build starts: a mount, or a folder inside one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The mount.
    pub mount: Mount,
    /// A folder relative to the mount, without slashes at the ends (`""`: the whole mount).
    pub folder: String,
}

impl Root {
    /// The whole mount.
    pub fn mount(mount: Mount) -> Self {
        Self { mount, folder: String::new() }
    }

    /// `mount/folder/`, as shown to a user.
    pub fn label(&self) -> String {
        if self.folder.is_empty() {
            format!("{}/", self.mount.path)
        } else {
            format!("{}/{}/", self.mount.path, self.folder)
        }
    }
}

/// Options of [`build`].
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The walk's options: requests in flight, whether to use SCAN, and its depth and folder bounds.
    pub walk: WalkOptions,
    /// Paths the index holds at most.
    pub max_paths: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self { walk: WalkOptions::default(), max_paths: DEFAULT_MAX_PATHS }
    }
}

/// What a build reports, in order, as it goes.
#[derive(Debug)]
pub enum BuildEvent {
    /// Secrets found, relative to the mount.
    Found {
        /// Their mount.
        mount: Mount,
        /// Mount-relative paths.
        paths: Vec<String>,
    },
    /// Folders (mount-relative, no trailing slash) the token may not list: their content is missing.
    Denied {
        /// Their mount.
        mount: Mount,
        /// Mount-relative folders.
        folders: Vec<String>,
    },
    /// A root is fully indexed.
    RootDone {
        /// The root.
        root: Root,
        /// True when one SCAN listed the whole root.
        used_scan: bool,
    },
    /// A root could not be fully indexed (what was found of it stays).
    RootFailed {
        /// The root.
        root: Root,
        /// Why.
        error: VaultError,
    },
    /// The build is over: every root done or failed, or the path bound reached (`truncated`).
    Finished {
        /// True when more paths were there than the index may hold.
        truncated: bool,
    },
}

/// Live counters of a build, shared with whoever shows progress.
#[derive(Debug, Default)]
pub struct BuildProgress {
    /// Folders listed, pending and secrets found, as the walks count them.
    pub walk: WalkProgress,
    /// Folders the token may not list.
    pub denied: AtomicUsize,
    /// Roots done or failed.
    pub roots_done: AtomicUsize,
    /// Roots to index.
    pub roots: AtomicUsize,
}

/// A snapshot of [`BuildProgress`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Folders listed (a SCAN counts as one).
    pub folders: usize,
    /// Folders found and not listed yet.
    pub pending: usize,
    /// Secrets found.
    pub secrets: usize,
    /// Folders the token may not list.
    pub denied: usize,
    /// Roots done or failed, of `roots`.
    pub roots_done: usize,
    /// Roots to index.
    pub roots: usize,
}

impl BuildProgress {
    /// The counters now.
    pub fn snapshot(&self) -> Progress {
        Progress {
            folders: self.walk.listed.load(Ordering::Relaxed),
            pending: self.walk.pending.load(Ordering::Relaxed),
            secrets: self.walk.secrets.load(Ordering::Relaxed),
            denied: self.denied.load(Ordering::Relaxed),
            roots_done: self.roots_done.load(Ordering::Relaxed),
            roots: self.roots.load(Ordering::Relaxed),
        }
    }
}

/// Indexes every secret below `roots`, reporting through `emit` as it goes (see the module docs). Never
/// fails as a whole: each root's failure is an event, and the last event is always [`BuildEvent::Finished`].
///
/// Runs on the caller's task; to build in the background, spawn it and send the events over a channel.
pub async fn build(
    vault: &Vault,
    roots: &[Root],
    opts: &BuildOptions,
    progress: &BuildProgress,
    mut emit: impl FnMut(BuildEvent),
) {
    progress.roots.fetch_add(roots.len(), Ordering::Relaxed);
    let mut budget = opts.max_paths;
    let mut truncated = false;
    for root in roots {
        let outcome = build_root(vault, root, opts, progress, &mut emit, &mut budget).await;
        progress.roots_done.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(Outcome::Done { used_scan }) => emit(BuildEvent::RootDone { root: root.clone(), used_scan }),
            Ok(Outcome::Full) => {
                truncated = true;
                break;
            }
            Err(error) => emit(BuildEvent::RootFailed { root: root.clone(), error }),
        }
    }
    emit(BuildEvent::Finished { truncated });
}

/// A build running on its own task ([`spawn`]): its events arrive on `events`, its counters in `progress`.
/// Dropping it stops the build.
#[derive(Debug)]
pub struct Background {
    /// The build's events, in order; the last is [`BuildEvent::Finished`] (unless stopped).
    pub events: tokio::sync::mpsc::UnboundedReceiver<BuildEvent>,
    /// Live counters.
    pub progress: Arc<BuildProgress>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Background {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts [`build`] on a tokio task (a refresh is another spawn). The channel is unbounded, but what goes
/// through it is bounded by [`BuildOptions::max_paths`].
pub fn spawn(vault: Vault, roots: Vec<Root>, opts: BuildOptions) -> Background {
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    let progress = Arc::new(BuildProgress::default());
    let counters = progress.clone();
    let task = tokio::spawn(async move {
        build(&vault, &roots, &opts, &counters, |e| {
            // A receiver gone means nobody waits for the index any more.
            let _ = tx.send(e);
        })
        .await;
    });
    Background { events, progress, task }
}

enum Outcome {
    Done {
        used_scan: bool,
    },
    /// The path bound was reached.
    Full,
}

/// Sends found paths within the budget; false when the budget ran out (the rest is dropped).
fn send_found(
    mount: &Mount,
    mut paths: Vec<String>,
    budget: &mut usize,
    emit: &mut impl FnMut(BuildEvent),
) -> bool {
    let fits = paths.len() <= *budget;
    paths.truncate(*budget);
    *budget -= paths.len();
    if !paths.is_empty() {
        emit(BuildEvent::Found { mount: mount.clone(), paths });
    }
    fits
}

fn send_denied(
    mount: &Mount,
    folders: Vec<String>,
    progress: &BuildProgress,
    emit: &mut impl FnMut(BuildEvent),
) {
    if !folders.is_empty() {
        progress.denied.fetch_add(folders.len(), Ordering::Relaxed);
        emit(BuildEvent::Denied { mount: mount.clone(), folders });
    }
}

/// Whether the token may SCAN each listing path (`None`: the server would not say).
async fn may_scan(vault: &Vault, api_paths: &[String]) -> Option<Vec<bool>> {
    match vault.capabilities(api_paths).await {
        Ok(caps) => Some(
            api_paths
                .iter()
                .map(|p| caps.get(p).is_some_and(|c| c.iter().any(|c| c == "scan" || c == "root")))
                .collect(),
        ),
        Err(e) => {
            tracing::debug!(error = %e, "capabilities unknown; trying SCAN where it may work");
            None
        }
    }
}

async fn build_root(
    vault: &Vault,
    root: &Root,
    opts: &BuildOptions,
    progress: &BuildProgress,
    emit: &mut impl FnMut(BuildEvent),
    budget: &mut usize,
) -> Result<Outcome, VaultError> {
    let mount = &root.mount;
    let folder = root.folder.trim_matches('/');
    let scan_root = opts.walk.use_scan
        && may_scan(vault, &[list_api_path(mount, folder)]).await.is_none_or(|v| v.first() == Some(&true));
    if scan_root {
        // One request for the whole root (or the plain walk where the server refuses it after all).
        let result = match walk::walk_detailed(vault, mount, folder, &opts.walk, Some(&progress.walk)).await {
            Ok(r) => r,
            Err(VaultError::Forbidden { .. }) => {
                send_denied(mount, vec![folder.to_string()], progress, emit);
                return Ok(Outcome::Done { used_scan: false });
            }
            Err(e) => return Err(e),
        };
        send_denied(mount, result.denied, progress, emit);
        if !send_found(mount, result.secrets, budget, emit) {
            return Ok(Outcome::Full);
        }
        return Ok(Outcome::Done { used_scan: result.used_scan });
    }
    // List level by level until there are enough subfolders for results to stream one subtree at a time.
    let mut frontier = vec![folder.to_string()];
    let mut level = 0;
    let subfolders = loop {
        let mut next = Vec::new();
        {
            let mut lists = stream::iter(frontier.iter().cloned())
                .map(|f| async move {
                    let r = vault.list(mount, &f).await;
                    (f, r)
                })
                .buffer_unordered(opts.walk.concurrency.max(1));
            while let Some((f, r)) = lists.next().await {
                let entries = match r {
                    Ok(e) => e,
                    Err(VaultError::Forbidden { .. }) => {
                        send_denied(mount, vec![f], progress, emit);
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let join = |name: &str| if f.is_empty() { name.to_string() } else { format!("{f}/{name}") };
                let mut secrets = Vec::new();
                for e in entries {
                    if e.is_folder { next.push(join(&e.name)) } else { secrets.push(join(&e.name)) }
                }
                progress.walk.listed.fetch_add(1, Ordering::Relaxed);
                progress.walk.secrets.fetch_add(secrets.len(), Ordering::Relaxed);
                if !send_found(mount, secrets, budget, emit) {
                    return Ok(Outcome::Full);
                }
            }
        }
        level += 1;
        if next.len() >= MIN_SUBTREES || level > MAX_SPLIT_LEVELS || next.is_empty() {
            break next;
        }
        frontier = next;
    };
    // Where the token may not SCAN the root it may still scan a subfolder; where it cannot tell, walk.
    let scan = if opts.walk.use_scan {
        let api: Vec<String> = subfolders.iter().map(|f| list_api_path(mount, f)).collect();
        may_scan(vault, &api).await.unwrap_or_else(|| vec![false; subfolders.len()])
    } else {
        vec![false; subfolders.len()]
    };
    // Up to a quarter of the requests in flight as separate subtrees, the rest shared among them.
    let concurrency = opts.walk.concurrency.max(1);
    let parallel = subfolders.len().clamp(1, (concurrency / 4).max(1));
    let share = (concurrency / parallel).max(1);
    let mut walks = stream::iter(subfolders.into_iter().zip(scan))
        .map(|(sub, use_scan)| {
            let o = WalkOptions { concurrency: share, use_scan, ..opts.walk.clone() };
            async move {
                let r = walk::walk_detailed(vault, mount, &sub, &o, Some(&progress.walk)).await;
                (sub, r)
            }
        })
        .buffer_unordered(parallel);
    while let Some((sub, r)) = walks.next().await {
        match r {
            Ok(r) => {
                send_denied(mount, r.denied, progress, emit);
                if !send_found(mount, r.secrets, budget, emit) {
                    return Ok(Outcome::Full);
                }
            }
            Err(VaultError::Forbidden { .. }) => send_denied(mount, vec![sub], progress, emit),
            Err(e) => return Err(e),
        }
    }
    Ok(Outcome::Done { used_scan: false })
}

/// The index is full: it holds [`Index::max_paths`] paths.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the finder's index holds at most {0} paths and is full: search fewer mounts (--mount) or a folder inside one"
)]
pub struct IndexFull(pub usize);

/// One path of the index, in its arena.
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: u32,
    len: u32,
    /// The mount's number, [`REMOVED`] once removed.
    mount: u32,
}

const REMOVED: u32 = u32::MAX;

/// One indexed secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Its number: valid until the next [`Index::remove`] or [`Index::rename`].
    pub id: usize,
    /// Its mount.
    pub mount: &'a Mount,
    /// `mount/path`.
    pub full: &'a str,
    /// The path relative to the mount.
    pub path: &'a str,
}

/// Every secret path found, compactly (see the module docs).
#[derive(Debug)]
pub struct Index {
    mounts: Vec<Mount>,
    text: String,
    slots: Vec<Slot>,
    live: usize,
    seen: HashSet<u64>,
    hasher: RandomState,
    max_paths: usize,
    truncated: bool,
    denied: Vec<String>,
}

impl Default for Index {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_PATHS)
    }
}

impl Index {
    /// An empty index holding at most `max_paths` paths.
    pub fn new(max_paths: usize) -> Self {
        Self {
            mounts: Vec::new(),
            text: String::new(),
            slots: Vec::new(),
            live: 0,
            seen: HashSet::new(),
            hasher: RandomState::new(),
            max_paths,
            truncated: false,
            denied: Vec::new(),
        }
    }

    /// Paths held.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no path is held.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The bound on paths.
    pub fn max_paths(&self) -> usize {
        self.max_paths
    }

    /// True when a build or an insert met the bound: paths are missing.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Folders the token may not list, as `mount/folder/`, sorted.
    pub fn denied(&self) -> &[String] {
        &self.denied
    }

    /// The mounts of the paths.
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// Bytes the index holds on the heap (arena, slots, hashes), a close estimate.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.seen.capacity() * (std::mem::size_of::<u64>() + 1)
            + self.denied.iter().map(String::capacity).sum::<usize>()
    }

    /// Takes in one event of [`build`].
    pub fn apply(&mut self, event: &BuildEvent) {
        match event {
            BuildEvent::Found { mount, paths } => {
                let m = self.mount_number(mount);
                self.slots.reserve(paths.len());
                for p in paths {
                    if self.insert_in(m, p).is_err() {
                        break;
                    }
                }
            }
            BuildEvent::Denied { mount, folders } => {
                for f in folders {
                    let label = if f.is_empty() {
                        format!("{}/", mount.path)
                    } else {
                        format!("{}/{f}/", mount.path)
                    };
                    if let Err(at) = self.denied.binary_search(&label) {
                        self.denied.insert(at, label);
                    }
                }
            }
            BuildEvent::Finished { truncated: true } => self.truncated = true,
            _ => {}
        }
    }

    fn mount_number(&mut self, mount: &Mount) -> u32 {
        match self.mounts.iter().position(|m| m.path == mount.path) {
            Some(i) => i as u32,
            None => {
                self.mounts.push(mount.clone());
                (self.mounts.len() - 1) as u32
            }
        }
    }

    fn hash(&self, mount: u32, path: &str) -> u64 {
        self.hasher.hash_one((mount, path))
    }

    fn slot_path(&self, s: &Slot) -> &str {
        let full = &self.text[s.start as usize..(s.start + s.len) as usize];
        let skip = self.mounts.get(s.mount as usize).map_or(0, |m| m.path.len() + 1);
        full.get(skip..).unwrap_or("")
    }

    fn find(&self, mount: u32, path: &str) -> Option<usize> {
        if !self.seen.contains(&self.hash(mount, path)) {
            return None;
        }
        self.slots.iter().position(|s| s.mount == mount && self.slot_path(s) == path)
    }

    /// Adds a secret (a path relative to the mount); false when it was there already.
    pub fn insert(&mut self, mount: &Mount, path: &str) -> Result<bool, IndexFull> {
        let m = self.mount_number(mount);
        self.insert_in(m, path.trim_matches('/'))
    }

    fn insert_in(&mut self, mount: u32, path: &str) -> Result<bool, IndexFull> {
        if path.is_empty() || self.find(mount, path).is_some() {
            return Ok(false);
        }
        let prefix = self.mounts.get(mount as usize).map(|m| m.path.as_str()).unwrap_or("");
        let len = prefix.len() + 1 + path.len();
        if self.live >= self.max_paths || self.text.len() + len > u32::MAX as usize {
            self.truncated = true;
            return Err(IndexFull(self.max_paths));
        }
        let start = self.text.len() as u32;
        self.text.push_str(prefix);
        self.text.push('/');
        self.text.push_str(path);
        self.slots.push(Slot { start, len: len as u32, mount });
        self.seen.insert(self.hash(mount, path));
        self.live += 1;
        Ok(true)
    }

    /// Removes a secret; false when it was not there.
    pub fn remove(&mut self, mount: &str, path: &str) -> bool {
        let Some(m) = self.mounts.iter().position(|x| x.path == mount.trim_matches('/')) else {
            return false;
        };
        let path = path.trim_matches('/');
        let Some(i) = self.find(m as u32, path) else { return false };
        self.kill(i);
        self.compact_if_sparse();
        true
    }

    fn kill(&mut self, i: usize) {
        let Some(s) = self.slots.get(i).copied() else { return };
        let h = self.hash(s.mount, self.slot_path(&s));
        self.seen.remove(&h);
        if let Some(s) = self.slots.get_mut(i) {
            s.mount = REMOVED;
        }
        self.live -= 1;
    }

    /// Moves a secret, or every secret below a folder, from `(from_mount, from)` to `(to_mount, to)` (as
    /// `sesame mv` resolved them); returns how many paths moved.
    pub fn rename(
        &mut self,
        from_mount: &str,
        from: &str,
        to_mount: &Mount,
        to: &str,
    ) -> Result<usize, IndexFull> {
        let Some(fm) = self.mounts.iter().position(|x| x.path == from_mount.trim_matches('/')) else {
            return Ok(0);
        };
        let (from, to) = (from.trim_matches('/'), to.trim_matches('/'));
        let fm = fm as u32;
        let folder = format!("{from}/");
        let moving: Vec<(usize, String)> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.mount == fm)
            .filter_map(|(i, s)| {
                let p = self.slot_path(s);
                if p == from {
                    Some((i, to.to_string()))
                } else {
                    p.strip_prefix(&folder).map(|rest| {
                        (i, if to.is_empty() { rest.to_string() } else { format!("{to}/{rest}") })
                    })
                }
            })
            .collect();
        for (i, _) in &moving {
            self.kill(*i);
        }
        let tm = self.mount_number(to_mount);
        let mut moved = 0;
        for (_, p) in &moving {
            if self.insert_in(tm, p)? {
                moved += 1;
            }
        }
        self.compact_if_sparse();
        Ok(moved)
    }

    /// Rebuilds the arena when removed entries outnumber the live ones.
    fn compact_if_sparse(&mut self) {
        let dead = self.slots.len() - self.live;
        if dead < 1024 || dead < self.live {
            return;
        }
        let mut text = String::with_capacity(self.text.len());
        let mut slots = Vec::with_capacity(self.live);
        for s in self.slots.iter().filter(|s| s.mount != REMOVED) {
            let start = text.len() as u32;
            text.push_str(&self.text[s.start as usize..(s.start + s.len) as usize]);
            slots.push(Slot { start, ..*s });
        }
        self.text = text;
        self.slots = slots;
    }

    /// One entry by number.
    pub fn get(&self, id: usize) -> Option<Entry<'_>> {
        let s = self.slots.get(id)?;
        let mount = self.mounts.get(s.mount as usize)?;
        let full = &self.text[s.start as usize..(s.start + s.len) as usize];
        Some(Entry { id, mount, full, path: full.get(mount.path.len() + 1..).unwrap_or("") })
    }

    /// Every entry, in the order found.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        (0..self.slots.len()).filter_map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::KvVersion;

    fn m(path: &str) -> Mount {
        Mount { path: path.into(), version: KvVersion::V2, description: String::new() }
    }

    fn all(ix: &Index) -> Vec<String> {
        let mut v: Vec<String> = ix.entries().map(|e| e.full.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn insert_remove_rename_keep_the_index_true() {
        let mut ix = Index::new(100);
        assert!(ix.insert(&m("secret"), "a/b").unwrap());
        assert!(!ix.insert(&m("secret"), "a/b").unwrap(), "no duplicates");
        assert!(ix.insert(&m("secret"), "a/c/d").unwrap());
        assert!(ix.insert(&m("kv"), "a/b").unwrap(), "the same path in another mount is another secret");
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.rename("secret", "a", &m("kv"), "z").unwrap(), 2);
        assert_eq!(all(&ix), ["kv/a/b", "kv/z/b", "kv/z/c/d"]);
        assert_eq!(ix.rename("kv", "z/b", &m("kv"), "y").unwrap(), 1);
        assert!(ix.remove("kv", "a/b"));
        assert!(!ix.remove("kv", "a/b"));
        assert!(!ix.remove("nope", "a/b"));
        assert_eq!(all(&ix), ["kv/y", "kv/z/c/d"]);
        let e = ix.entries().find(|e| e.full == "kv/z/c/d").unwrap();
        assert_eq!((e.path, e.mount.path.as_str()), ("z/c/d", "kv"));
        assert_eq!(ix.len(), 2);
        // A prefix that is not a folder boundary does not move.
        assert!(ix.insert(&m("kv"), "zz").unwrap());
        assert_eq!(ix.rename("kv", "z", &m("kv"), "w").unwrap(), 1);
        assert_eq!(all(&ix), ["kv/w/c/d", "kv/y", "kv/zz"]);
    }

    #[test]
    fn the_bound_is_kept_with_a_clear_error() {
        let mut ix = Index::new(2);
        ix.insert(&m("s"), "a").unwrap();
        ix.insert(&m("s"), "b").unwrap();
        let e = ix.insert(&m("s"), "c").unwrap_err();
        assert!(e.to_string().contains("at most 2 paths"), "{e}");
        assert!(ix.truncated());
        ix.apply(&BuildEvent::Found { mount: m("s"), paths: vec!["x".into(), "y".into()] });
        assert_eq!(ix.len(), 2);
    }

    #[test]
    fn many_removals_compact_the_arena() {
        let mut ix = Index::new(10_000);
        let paths: Vec<String> = (0..5000).map(|i| format!("f{}/s{i}", i % 50)).collect();
        ix.apply(&BuildEvent::Found { mount: m("secret"), paths: paths.clone() });
        for p in &paths[..4000] {
            assert!(ix.remove("secret", p));
        }
        assert_eq!(ix.len(), 1000);
        assert_eq!(ix.entries().count(), 1000);
        assert!(ix.text.len() < 1000 * 20, "compacted: {}", ix.text.len());
        let mut left = all(&ix);
        let mut want: Vec<String> = paths[4000..].iter().map(|p| format!("secret/{p}")).collect();
        left.sort();
        want.sort();
        assert_eq!(left, want);
        assert!(ix.insert(&m("secret"), &paths[0]).unwrap(), "a removed path can come back");
    }

    #[test]
    fn denied_folders_are_labelled_and_sorted() {
        let mut ix = Index::default();
        ix.apply(&BuildEvent::Denied {
            mount: m("s"),
            folders: vec!["b".into(), "a/x".into(), String::new()],
        });
        ix.apply(&BuildEvent::Denied { mount: m("s"), folders: vec!["b".into()] });
        assert_eq!(ix.denied(), ["s/", "s/a/x/", "s/b/"]);
    }
}
