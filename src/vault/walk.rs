//! Recursive listing of a KV folder: OpenBao's one-request `SCAN` where the server and the token allow it,
//! otherwise a LIST of every folder with a bounded number of requests in flight.
//!
//! # SCAN (OpenBao 2.2+)
//! `SCAN /v1/<mount>/metadata/<folder>/` on KV v2 and `SCAN /v1/<mount>/<folder>/` on KV v1 (the same paths
//! as LIST) answer `{"data":{"keys":[…]}}` with every secret below the folder, relative to it, in no particular
//! order and without folder entries; an empty or missing folder answers 200 with `"data":{}`. It needs the
//! `scan` ACL capability on that path: without it the server answers 403 even when `list` is granted. Paths
//! that do not implement it answer 405 "unsupported operation" (e.g. `cubbyhole/`, `<mount>/data/`); servers
//! without the verb (HashiCorp Vault) should answer 405 too (not verified: no Vault binary here). Any answer but a listing makes [`walk`] fall back to the LIST walk, so the result is the same
//! either way — except that a token allowed to SCAN a folder sees its whole subtree even where a `deny` rule
//! forbids LIST on a subfolder: that is the server's decision, and [`WalkResult::used_scan`] says so.
//!
//! # LIST walk
//! Folders are listed concurrently (at most [`WalkOptions::concurrency`] requests in flight), on the caller's
//! task: nothing is spawned, so the walk needs no `'static` data and runs on any runtime. A 403 on a
//! subfolder does not abort the walk: the folder is reported in [`WalkResult::denied`]. Any other error
//! aborts it, and a 403 on the starting folder is an error.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::stream::{FuturesUnordered, StreamExt};
use serde::Deserialize;

use super::VaultError;
use super::kv::{Entry, Mount, Vault, list_api_path};

/// Default number of LIST requests in flight (the CLI's `--concurrency` default too).
pub const DEFAULT_CONCURRENCY: usize = 32;

/// Folders below the starting one a LIST walk goes at most (KV paths in practice stay under a dozen).
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Folders a LIST walk lists at most.
pub const DEFAULT_MAX_FOLDERS: usize = 250_000;

/// Consecutive levels whose listings are the same that make a folder "repeat itself" (a server answering
/// `{"keys":["folder/"]}` at every level would otherwise be walked for ever).
pub const REPEAT_LEVELS: usize = 8;

/// Options of a recursive walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Requests in flight at most (0 counts as 1).
    pub concurrency: usize,
    /// Try OpenBao's recursive SCAN first, falling back to the LIST walk when it is refused.
    pub use_scan: bool,
    /// Folder levels below the start a LIST walk goes at most; deeper, it stops with an error.
    pub max_depth: usize,
    /// Folders a LIST walk lists at most; more, it stops with an error.
    pub max_folders: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            use_scan: true,
            max_depth: DEFAULT_MAX_DEPTH,
            max_folders: DEFAULT_MAX_FOLDERS,
        }
    }
}

/// Live counters of a walk, for a progress indicator polled from another task.
///
/// `listed / (listed + pending)` is a fair progress ratio; it only moves forward once the tree's width is
/// known, which for a LIST walk is after its first levels.
#[derive(Debug, Default)]
pub struct WalkProgress {
    /// Folders listed so far (a successful SCAN counts as one).
    pub listed: AtomicUsize,
    /// Folders found but not listed yet (queued or in flight).
    pub pending: AtomicUsize,
    /// Secrets found so far.
    pub secrets: AtomicUsize,
}

/// The outcome of [`walk_detailed`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkResult {
    /// Every secret found, relative to the mount, sorted.
    pub secrets: Vec<String>,
    /// Subfolders (relative to the mount, no trailing slash, sorted) whose LIST answered 403: their content
    /// is missing from `secrets`.
    pub denied: Vec<String>,
    /// True when the listing came from one SCAN request.
    pub used_scan: bool,
}

/// Lists every secret below `folder` (`""` for the whole mount), as paths relative to the mount, sorted.
///
/// Subfolders the token may not list are skipped silently; use [`walk_detailed`] to learn which.
pub async fn walk(
    vault: &Vault,
    mount: &Mount,
    folder: &str,
    opts: &WalkOptions,
) -> Result<Vec<String>, VaultError> {
    walk_detailed(vault, mount, folder, opts, None).await.map(|r| r.secrets)
}

/// Like [`walk`], also reporting the denied subfolders and whether SCAN was used, and updating `progress`.
///
/// Errors when the starting folder cannot be listed, or on any failure other than a 403 on a subfolder
/// (connection, sealed server, unexpected answer).
pub async fn walk_detailed(
    vault: &Vault,
    mount: &Mount,
    folder: &str,
    opts: &WalkOptions,
    progress: Option<&WalkProgress>,
) -> Result<WalkResult, VaultError> {
    let folder = folder.trim_matches('/');
    if opts.use_scan
        && let Some(secrets) = try_scan(vault, mount, folder).await?
    {
        if let Some(p) = progress {
            p.listed.fetch_add(1, Ordering::Relaxed);
            p.secrets.fetch_add(secrets.len(), Ordering::Relaxed);
        }
        return Ok(WalkResult { secrets, denied: Vec::new(), used_scan: true });
    }
    let (secrets, denied) =
        list_walk(folder, opts, progress, |f: String| async move { vault.list(mount, &f).await })
            .await
            .map_err(|e| match e {
                VaultError::WalkLimit(msg) => VaultError::WalkLimit(format!("{}/{msg}", mount.path)),
                other => other,
            })?;
    Ok(WalkResult { secrets, denied, used_scan: false })
}

/// One SCAN request. `Ok(None)` means "not available here, walk instead"; errors are the failures a LIST walk
/// would meet too (unreachable or sealed server).
async fn try_scan(vault: &Vault, mount: &Mount, folder: &str) -> Result<Option<Vec<String>>, VaultError> {
    let api = list_api_path(mount, folder);
    let (status, body) = match vault.raw("SCAN", &api, None).await {
        Ok(answer) => answer,
        Err(VaultError::Timeout { .. }) => {
            // One huge answer may time out where many small ones would not.
            tracing::debug!(mount = %mount.path, "SCAN timed out; walking with LIST instead");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    if status == 503 {
        let errors = serde_json::from_slice::<ErrorBody>(&body).map(|b| b.errors).unwrap_or_default();
        return Err(VaultError::from_status(status, &api, errors));
    }
    if !(200..300).contains(&status) {
        tracing::debug!(mount = %mount.path, status, "SCAN refused; walking with LIST instead");
        return Ok(None);
    }
    match parse_scan(&body, folder) {
        Some(secrets) => Ok(Some(secrets)),
        None => {
            tracing::debug!(mount = %mount.path, status, "SCAN answer is not a listing; walking with LIST instead");
            Ok(None)
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<String>,
}

/// Parses a SCAN answer into sorted mount-relative secret paths; `None` when it is not a listing.
///
/// `{"data":{"keys":[…]}}` is a listing; `{"data":{}}` is OpenBao's answer for an empty or missing folder.
/// Keys are relative to `folder`; entries ending in `/` (folders) are dropped.
fn parse_scan(body: &[u8], folder: &str) -> Option<Vec<String>> {
    #[derive(Deserialize)]
    struct Answer {
        data: Option<Data>,
    }
    #[derive(Deserialize)]
    struct Data {
        keys: Option<Vec<String>>,
    }
    let answer: Answer = serde_json::from_slice(body).ok()?;
    let keys = answer.data?.keys.unwrap_or_default();
    let mut out: Vec<String> =
        keys.iter().filter(|k| !k.is_empty() && !k.ends_with('/')).map(|k| join(folder, k)).collect();
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// [`parse_scan`] for the decoder property tests of `kv.rs`.
#[cfg(test)]
pub(crate) fn parse_scan_for_tests(body: &[u8], folder: &str) -> Option<Vec<String>> {
    parse_scan(body, folder)
}

/// The LIST walk over any lister (`list(folder)` → entries; a missing folder must list as empty).
///
/// Returns the sorted secrets and the sorted denied subfolders.
///
/// Stops with [`VaultError::WalkLimit`] (whose text starts with the folder, relative to the mount) past
/// `opts.max_depth` levels, past `opts.max_folders` folders, or at a folder that repeats itself: one whose
/// listing is the same as its parent's for [`REPEAT_LEVELS`] levels in a row.
async fn list_walk<F, Fut>(
    root: &str,
    opts: &WalkOptions,
    progress: Option<&WalkProgress>,
    list: F,
) -> Result<(Vec<String>, Vec<String>), VaultError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Vec<Entry>, VaultError>>,
{
    let limit = opts.concurrency.max(1);
    // Per folder waiting: its depth below the root, a fingerprint of its parent's listing, and how many levels
    // in a row had that same listing.
    let mut levels: std::collections::HashMap<String, (usize, u64, usize)> =
        std::collections::HashMap::from([(root.to_string(), (0, 0, 0))]);
    let mut listed = 0usize;
    let mut queue: VecDeque<String> = VecDeque::from([root.to_string()]);
    let mut in_flight = FuturesUnordered::new();
    let mut secrets = Vec::new();
    let mut denied = Vec::new();
    if let Some(p) = progress {
        p.pending.fetch_add(1, Ordering::Relaxed);
    }
    loop {
        while in_flight.len() < limit {
            let Some(f) = queue.pop_front() else { break };
            let fut = list(f.clone());
            in_flight.push(async move { (f, fut.await) });
        }
        let Some((f, answer)) = in_flight.next().await else { break };
        if let Some(p) = progress {
            p.pending.fetch_sub(1, Ordering::Relaxed);
        }
        let (depth, parent_print, run) = levels.remove(&f).unwrap_or_default();
        let entries = match answer {
            Ok(entries) => entries,
            Err(VaultError::Forbidden { .. }) if f != root => {
                denied.push(f);
                continue;
            }
            Err(e) => return Err(e),
        };
        listed += 1;
        if listed > opts.max_folders {
            return Err(VaultError::WalkLimit(format!(
                "{root}: more than {} folders below it: the walk stopped and nothing is listed (narrow the \
                 path)",
                opts.max_folders
            )));
        }
        let print = fingerprint(&entries);
        let run = if depth > 0 && print == parent_print { run + 1 } else { 0 };
        if run >= REPEAT_LEVELS {
            return Err(VaultError::WalkLimit(format!(
                "{f}: this folder lists the same entries as its parents for {REPEAT_LEVELS} levels, as if it \
                 contained itself: the walk stopped and nothing is listed (a faulty server?)"
            )));
        }
        let (mut folders, mut found) = (0, 0);
        for e in entries {
            let path = join(&f, &e.name);
            if e.is_folder {
                if depth + 1 > opts.max_depth {
                    return Err(VaultError::WalkLimit(format!(
                        "{path}: more than {} folder levels below {root}/: the walk stopped and nothing is \
                         listed",
                        opts.max_depth
                    )));
                }
                levels.insert(path.clone(), (depth + 1, print, run));
                queue.push_back(path);
                folders += 1;
            } else {
                secrets.push(path);
                found += 1;
            }
        }
        if let Some(p) = progress {
            p.listed.fetch_add(1, Ordering::Relaxed);
            p.pending.fetch_add(folders, Ordering::Relaxed);
            p.secrets.fetch_add(found, Ordering::Relaxed);
        }
    }
    secrets.sort_unstable();
    secrets.dedup();
    denied.sort_unstable();
    Ok((secrets, denied))
}

/// A fingerprint of a listing's names (order kept: listings come sorted).
fn fingerprint(entries: &[Entry]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for e in entries {
        e.name.hash(&mut h);
        e.is_folder.hash(&mut h);
    }
    h.finish()
}

/// `folder/name`, or `name` at the root.
fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() { name.to_string() } else { format!("{folder}/{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn opts(concurrency: usize) -> WalkOptions {
        WalkOptions { concurrency, ..WalkOptions::default() }
    }
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn scan_keys_become_sorted_mount_paths() {
        let body = br#"{"data":{"keys":["top","sp ace/\u00fc%#?/z","a/x","a/b/c","dir/",""]}}"#;
        assert_eq!(parse_scan(body, "").unwrap(), ["a/b/c", "a/x", "sp ace/ü%#?/z", "top"]);
        assert_eq!(parse_scan(br#"{"data":{"keys":["x","b/c"]}}"#, "p/a").unwrap(), ["p/a/b/c", "p/a/x"]);
    }

    #[test]
    fn empty_scan_is_a_listing_and_others_are_not() {
        assert_eq!(parse_scan(br#"{"data":{}}"#, "a").unwrap(), Vec::<String>::new());
        assert!(parse_scan(br#"{"errors":["unsupported operation"]}"#, "").is_none());
        assert!(parse_scan(br#"{"data":null}"#, "").is_none());
        assert!(parse_scan(br#"{"data":{"keys":"nope"}}"#, "").is_none());
        assert!(parse_scan(b"<html>", "").is_none());
    }

    #[test]
    fn default_options() {
        let o = WalkOptions::default();
        assert_eq!((o.concurrency, o.use_scan), (32, true));
    }

    /// A fake tree: folder → keys as LIST answers them; folders named `deny*` answer 403.
    fn tree() -> BTreeMap<String, Vec<&'static str>> {
        let mut t = BTreeMap::new();
        t.insert(String::new(), vec!["a/", "b/", "deny/", "top"]);
        t.insert("a".into(), vec!["x", "y/"]);
        t.insert("a/y".into(), vec!["z", "w"]);
        t.insert("b".into(), vec!["q"]);
        t.insert("deny".into(), vec!["hidden"]);
        t
    }

    fn fake_list(t: &BTreeMap<String, Vec<&'static str>>, folder: &str) -> Result<Vec<Entry>, VaultError> {
        if folder.rsplit('/').next().is_some_and(|n| n.starts_with("deny")) {
            return Err(VaultError::Forbidden { path: folder.into(), detail: String::new() });
        }
        Ok(t.get(folder).map(|k| k.iter().map(|k| Entry::from_key(k)).collect()).unwrap_or_default())
    }

    #[tokio::test]
    async fn walk_collects_sorted_and_reports_denied() {
        let t = tree();
        let progress = WalkProgress::default();
        for c in [1, 2, 64] {
            let (s, d) = list_walk("", &opts(c), Some(&progress), |f| {
                let r = fake_list(&t, &f);
                async move { r }
            })
            .await
            .unwrap();
            assert_eq!(s, ["a/x", "a/y/w", "a/y/z", "b/q", "top"]);
            assert_eq!(d, ["deny"]);
        }
        assert_eq!(progress.listed.load(Ordering::Relaxed), 3 * 4);
        assert_eq!(progress.secrets.load(Ordering::Relaxed), 3 * 5);
        assert_eq!(progress.pending.load(Ordering::Relaxed), 0);
        let (s, d) = list_walk("a", &opts(4), None, |f| {
            let r = fake_list(&t, &f);
            async move { r }
        })
        .await
        .unwrap();
        assert_eq!((s, d), (vec!["a/x".to_string(), "a/y/w".into(), "a/y/z".into()], vec![]));
    }

    #[tokio::test]
    async fn a_folder_that_lists_itself_stops_the_walk_with_a_clear_error() {
        // A faulty server: every folder answers `{"keys":["folder/"]}`.
        let e = list_walk("", &opts(4), None, |_f| async { Ok(vec![Entry::from_key("folder/")]) })
            .await
            .unwrap_err();
        match e {
            VaultError::WalkLimit(msg) => assert!(msg.contains("as if it contained itself"), "{msg}"),
            other => panic!("expected a walk limit, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn depth_and_folder_count_are_bounded() {
        // A chain of distinct folders, each one level deeper.
        let deep = |f: String| async move {
            let next = format!("d{}/", f.matches('/').count() + usize::from(!f.is_empty()));
            Ok(vec![Entry::from_key(&next), Entry::from_key(&format!("s{}", f.len()))])
        };
        let o = WalkOptions { max_depth: 5, ..opts(2) };
        match list_walk("", &o, None, deep).await.unwrap_err() {
            VaultError::WalkLimit(msg) => assert!(msg.contains("more than 5 folder levels"), "{msg}"),
            other => panic!("expected a walk limit, got {other:?}"),
        }
        let wide = |f: String| async move {
            Ok(if f.is_empty() {
                (0..50).map(|i| Entry::from_key(&format!("f{i}/"))).collect()
            } else {
                vec![]
            })
        };
        let o = WalkOptions { max_folders: 10, ..opts(2) };
        match list_walk("", &o, None, wide).await.unwrap_err() {
            VaultError::WalkLimit(msg) => assert!(msg.contains("more than 10 folders"), "{msg}"),
            other => panic!("expected a walk limit, got {other:?}"),
        }
        let o = WalkOptions { max_folders: 51, ..opts(2) };
        assert!(list_walk("", &o, None, wide).await.is_ok(), "within the bound the walk completes");
    }

    #[tokio::test]
    async fn denied_root_and_other_errors_abort() {
        let t = tree();
        let e = list_walk("deny", &opts(4), None, |f| {
            let r = fake_list(&t, &f);
            async move { r }
        })
        .await
        .unwrap_err();
        assert!(matches!(e, VaultError::Forbidden { .. }));
        let e = list_walk("", &opts(4), None, |f| async move {
            if f == "b" { Err(VaultError::Sealed) } else { fake_list(&tree(), &f) }
        })
        .await
        .unwrap_err();
        assert_eq!(e, VaultError::Sealed);
    }

    #[tokio::test]
    async fn concurrency_is_bounded_and_used() {
        // A wide tree: 200 folders of one secret each.
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        for limit in [1, 7, 32] {
            peak.store(0, Ordering::SeqCst);
            let (s, _) = list_walk("", &opts(limit), None, |f| {
                let (in_flight, peak) = (in_flight.clone(), peak.clone());
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    Ok(if f.is_empty() {
                        (0..200).map(|i| Entry::from_key(&format!("f{i:03}/"))).collect()
                    } else {
                        vec![Entry::from_key("s")]
                    })
                }
            })
            .await
            .unwrap();
            assert_eq!(s.len(), 200);
            assert_eq!(s[0], "f000/s");
            assert_eq!(peak.load(Ordering::SeqCst), limit, "limit {limit}");
        }
    }
}
