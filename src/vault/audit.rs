//! The admin audit: every secret with a mode across the chosen mounts or folders, who set it and when, and
//! where the server's policy or the data drifted from the modes.
//!
//! [`audit`] crawls each [`Scope`] with the bounded-concurrency walk ([`crate::vault::walk`]), reads each
//! secret's annotations (KV v2 metadata, KV v1 registry), reads the policy from the server, and for key-only
//! secrets compares the recorded key names with the real ones (KV v2 `subkeys`, which sends no value; KV v1
//! needs a read of the data, whose values are dropped at once). [`AuditProgress`] has the counters for a
//! progress bar. [`scan`] is the crawl alone, which `sesame policy` uses to generate the policy.
//!
//! Drift ([`Drift`]): a mode with no matching rule in the policy (or no policy at all), a rule in the policy
//! for a secret that no longer exists or has no mode any more, key names that differ from the real keys, a
//! mode on a path no exact rule can name, an unknown mode value, a mode recorded for a missing secret.
//! [`Drift::KeysUnchecked`] (no read access to compare the key names) is reported but is not drift.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::stream::{self, StreamExt};
use serde::Serialize;

use super::annotations::{AnnotationStore, Annotations};
use super::error::VaultError;
use super::kv::{KvVersion, Mount, Vault};
use super::modes::{MODE, Mode, ModeRecord, Modes};
use super::policy::{self, DEFAULT_POLICY_NAME, ModeEntry};
use super::walk::{DEFAULT_CONCURRENCY, WalkOptions, WalkProgress, walk_detailed};

/// A mount, or a folder inside one, to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The mount.
    pub mount: Mount,
    /// A folder inside it (no slashes around), `""` for the whole mount.
    pub folder: String,
}

impl Scope {
    /// The whole mount.
    pub fn mount(mount: Mount) -> Self {
        Self { mount, folder: String::new() }
    }

    /// True when `path` (mount-relative) is inside the scope.
    pub fn contains(&self, path: &str) -> bool {
        self.folder.is_empty()
            || path == self.folder
            || path.strip_prefix(self.folder.as_str()).is_some_and(|r| r.starts_with('/'))
    }

    /// `mount/` or `mount/folder/`.
    pub fn display(&self) -> String {
        if self.folder.is_empty() {
            format!("{}/", self.mount.path)
        } else {
            format!("{}/{}/", self.mount.path, self.folder)
        }
    }
}

/// Options of [`audit`] and [`scan`].
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Requests in flight at most (walk, metadata reads, key checks).
    pub concurrency: usize,
    /// Try OpenBao's recursive SCAN first.
    pub use_scan: bool,
    /// The policy to compare with.
    pub policy_name: String,
    /// Compare the key names of key-only secrets with the real ones.
    pub check_keys: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            use_scan: true,
            policy_name: DEFAULT_POLICY_NAME.to_string(),
            check_keys: true,
        }
    }
}

/// Live counters of an audit, for a progress bar polled from another task.
#[derive(Debug, Default)]
pub struct AuditProgress {
    /// The walks' counters (folders listed and pending, secrets found), all scopes together.
    pub walk: WalkProgress,
    /// Scopes to crawl.
    pub scopes_total: AtomicUsize,
    /// Scopes crawled.
    pub scopes_done: AtomicUsize,
    /// Per-secret requests known so far (metadata reads, key checks).
    pub to_check: AtomicUsize,
    /// Per-secret requests done.
    pub checked: AtomicUsize,
}

impl AuditProgress {
    /// Work done over work known, in `0.0..=1.0`. It may step back when a walk discovers more folders.
    pub fn fraction(&self) -> f64 {
        let listed = self.walk.listed.load(Ordering::Relaxed);
        let pending = self.walk.pending.load(Ordering::Relaxed);
        let to_check = self.to_check.load(Ordering::Relaxed);
        let checked = self.checked.load(Ordering::Relaxed).min(to_check);
        let total = self.scopes_total.load(Ordering::Relaxed).max(1);
        let done = self.scopes_done.load(Ordering::Relaxed).min(total);
        let work = listed + pending + to_check;
        let within = if work == 0 { 0.0 } else { (listed + checked) as f64 / work as f64 };
        ((done as f64 + within.min(1.0)) / (total as f64 + 1.0)).min(1.0)
    }

    /// A one-line summary: folders listed, secrets found and checked.
    pub fn label(&self) -> String {
        format!(
            "{} folders listed, {} secrets found, {}/{} checked",
            self.walk.listed.load(Ordering::Relaxed),
            self.walk.secrets.load(Ordering::Relaxed),
            self.checked.load(Ordering::Relaxed),
            self.to_check.load(Ordering::Relaxed)
        )
    }
}

/// What a crawl of one scope found.
#[derive(Debug, Clone, Default)]
pub struct ScopeScan {
    /// Every secret below the scope (mount-relative).
    pub existing: BTreeSet<String>,
    /// The annotations of each secret with a `mode` annotation (on KV v1 also of paths that no longer exist).
    pub modes: BTreeMap<String, Annotations>,
    /// Subfolders the token may not list (their secrets are missing).
    pub denied: Vec<String>,
    /// Secrets whose annotations the token may not read (KV v2 metadata).
    pub unreadable: Vec<String>,
}

/// Crawls one scope: its secrets and the annotations of those with a mode.
pub async fn scan(
    store: &AnnotationStore,
    scope: &Scope,
    opts: &AuditOptions,
    progress: Option<&AuditProgress>,
) -> Result<ScopeScan, VaultError> {
    let vault = store.vault();
    let mount = &scope.mount;
    let wopts = WalkOptions {
        concurrency: opts.concurrency.max(1),
        use_scan: opts.use_scan,
        ..WalkOptions::default()
    };
    let walked = match walk_detailed(vault, mount, &scope.folder, &wopts, progress.map(|p| &p.walk)).await {
        Ok(w) => w,
        // A folder that does not exist (or a mount with no secrets) lists as 404 on some paths.
        Err(VaultError::NotFound { .. }) => Default::default(),
        Err(e) => return Err(e),
    };
    let mut out = ScopeScan { denied: walked.denied, ..Default::default() };
    out.existing = walked.secrets.into_iter().collect();
    match mount.version {
        KvVersion::V1 => {
            store.refresh(Some(&mount.path));
            let all = store.all(mount).await?;
            out.modes = all.into_iter().filter(|(p, a)| a.contains_key(MODE) && scope.contains(p)).collect();
        }
        KvVersion::V2 => {
            if let Some(p) = progress {
                p.to_check.fetch_add(out.existing.len(), Ordering::Relaxed);
            }
            let results: Vec<(String, Result<Annotations, VaultError>)> =
                stream::iter(out.existing.iter().cloned())
                    .map(|p| async move {
                        let r = store.get(mount, &p).await;
                        if let Some(pr) = progress {
                            pr.checked.fetch_add(1, Ordering::Relaxed);
                        }
                        (p, r)
                    })
                    .buffer_unordered(opts.concurrency.max(1))
                    .collect()
                    .await;
            for (p, r) in results {
                match r {
                    Ok(a) if a.contains_key(MODE) => {
                        out.modes.insert(p, a);
                    }
                    Ok(_) | Err(VaultError::NotFound { .. }) => {}
                    Err(VaultError::Forbidden { .. }) => out.unreadable.push(p),
                    Err(e) => return Err(e),
                }
            }
            out.unreadable.sort();
        }
    }
    Ok(out)
}

/// Crawls every scope and returns the generator's entries (secrets with a known mode that still exist) with
/// the scans.
pub async fn collect_entries(
    store: &AnnotationStore,
    scopes: &[Scope],
    opts: &AuditOptions,
    progress: Option<&AuditProgress>,
) -> Result<(Vec<ModeEntry>, Vec<ScopeScan>), VaultError> {
    if let Some(p) = progress {
        p.scopes_total.fetch_add(scopes.len(), Ordering::Relaxed);
    }
    let mut entries = Vec::new();
    let mut scans = Vec::new();
    for scope in scopes {
        let s = scan(store, scope, opts, progress).await?;
        for (path, a) in &s.modes {
            if !s.existing.contains(path) {
                continue;
            }
            if let Ok(r) = ModeRecord::from_annotations(a)
                && r.mode != Mode::None
            {
                entries.push(policy::entry(&scope.mount, path, r.mode));
            }
        }
        scans.push(s);
        if let Some(p) = progress {
            p.scopes_done.fetch_add(1, Ordering::Relaxed);
        }
    }
    entries.sort_by(|a, b| (&a.mount, &a.path).cmp(&(&b.mount, &b.path)));
    entries.dedup_by(|a, b| a.mount == b.mount && a.path == b.path);
    Ok((entries, scans))
}

/// A row's key: mount and path.
type RowKey = (String, String);

/// One way a secret's mode drifted from the policy or the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Drift {
    /// The policy does not exist on the server.
    NoPolicy {
        /// Its name.
        policy: String,
    },
    /// The policy lacks (or has other capabilities on) some of the rules this mode needs.
    MissingRules {
        /// The policy's name.
        policy: String,
        /// The API paths whose rule is missing or different.
        rules: Vec<String>,
    },
    /// The policy has rules for this secret, which has no mode (any more) or no longer exists.
    OrphanRules {
        /// The API paths of those rules.
        rules: Vec<String>,
        /// Whether the secret still exists.
        secret_exists: bool,
    },
    /// A mode is recorded for a secret that does not exist (a KV v1 registry entry left behind).
    SecretMissing,
    /// The recorded key names of a key-only secret differ from its real keys.
    KeysDiffer {
        /// Recorded but not in the data.
        missing: Vec<String>,
        /// In the data but not recorded.
        extra: Vec<String>,
    },
    /// The key names could not be compared (not drift).
    KeysUnchecked {
        /// Why, e.g. "cannot check: no read access".
        reason: String,
    },
    /// No exact ACL rule can name this path (glob characters): the mode is not enforced.
    Unenforceable {
        /// Why.
        reason: String,
    },
    /// The recorded mode is not one sesame knows.
    UnknownMode {
        /// The recorded value.
        value: String,
    },
}

impl Drift {
    /// False only for [`Drift::KeysUnchecked`], a note rather than drift.
    pub fn is_drift(&self) -> bool {
        !matches!(self, Self::KeysUnchecked { .. })
    }

    /// A short kebab-case name of the kind (as in the JSON output).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoPolicy { .. } => "no-policy",
            Self::MissingRules { .. } => "missing-rules",
            Self::OrphanRules { .. } => "orphan-rules",
            Self::SecretMissing => "secret-missing",
            Self::KeysDiffer { .. } => "keys-differ",
            Self::KeysUnchecked { .. } => "keys-unchecked",
            Self::Unenforceable { .. } => "unenforceable",
            Self::UnknownMode { .. } => "unknown-mode",
        }
    }

    /// One sentence for a person.
    pub fn describe(&self) -> String {
        match self {
            Self::NoPolicy { policy } => {
                format!("policy {policy} does not exist on the server: the mode is not enforced")
            }
            Self::MissingRules { policy, rules } => {
                format!(
                    "no matching rule in policy {policy} for {}: run `sesame policy apply`",
                    rules.join(", ")
                )
            }
            Self::OrphanRules { rules, secret_exists } => format!(
                "the policy has rules for {} ({}): run `sesame policy apply`",
                if *secret_exists { "a secret without a mode" } else { "a secret that no longer exists" },
                rules.join(", ")
            ),
            Self::SecretMissing => "a mode is recorded for a secret that does not exist".into(),
            Self::KeysDiffer { missing, extra } => {
                let mut parts = Vec::new();
                if !missing.is_empty() {
                    parts.push(format!("recorded but gone: {}", missing.join(", ")));
                }
                if !extra.is_empty() {
                    parts.push(format!("not recorded: {}", extra.join(", ")));
                }
                format!("the recorded key names differ from the real keys ({})", parts.join("; "))
            }
            Self::KeysUnchecked { reason } => reason.clone(),
            Self::Unenforceable { reason } => format!("not enforced: {reason}"),
            Self::UnknownMode { value } => format!("unknown mode {value:?}"),
        }
    }
}

/// One row of the audit: a secret with a mode, or a secret the policy still has rules for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    /// The mount.
    pub mount: String,
    /// The secret's path inside the mount.
    pub path: String,
    /// Its mode ([`Mode::None`] for a row that only has orphan rules or an unknown mode).
    pub mode: Mode,
    /// Who set the mode.
    pub set_by: Option<String>,
    /// When (RFC 3339 UTC).
    pub set_at: Option<String>,
    /// Key-only: the recorded key names.
    pub keys: Vec<String>,
    /// What drifted (empty: all is well).
    pub drift: Vec<Drift>,
}

impl AuditRow {
    /// `mount/path`.
    pub fn full_path(&self) -> String {
        format!("{}/{}", self.mount, self.path)
    }

    /// True when a [`Drift`] of this row is drift.
    pub fn has_drift(&self) -> bool {
        self.drift.iter().any(Drift::is_drift)
    }
}

/// The outcome of [`audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// The policy compared with.
    pub policy: String,
    /// Whether it exists on the server.
    pub policy_found: bool,
    /// Rows sorted by mount and path.
    pub rows: Vec<AuditRow>,
    /// Folders (`mount/folder`) the token may not list: secrets there are not audited.
    pub denied: Vec<String>,
    /// Secrets (`mount/path`) whose annotations the token may not read.
    pub unreadable: Vec<String>,
}

impl AuditReport {
    /// True when any row has drift.
    pub fn has_drift(&self) -> bool {
        self.rows.iter().any(AuditRow::has_drift)
    }
}

/// Audits the modes of every secret in `scopes` against the server's policy and the data.
///
/// Errors: a scope that cannot be walked, a policy the token may not read, a policy sesame cannot parse,
/// connection failures.
pub async fn audit(
    store: &AnnotationStore,
    scopes: &[Scope],
    opts: &AuditOptions,
    progress: Option<&AuditProgress>,
) -> Result<AuditReport, VaultError> {
    let vault: &Vault = store.vault();
    let (_, scans) = collect_entries(store, scopes, opts, progress).await?;
    let text = policy::read_policy(vault, &opts.policy_name).await?;
    let rules: BTreeMap<String, Vec<String>> = match &text {
        Some(t) => policy::parse_rules(t)
            .map_err(|e| VaultError::Invalid(format!("cannot read policy {}: {e}", opts.policy_name)))?
            .into_iter()
            .map(|r| (r.path, r.capabilities))
            .collect(),
        None => BTreeMap::new(),
    };
    let modes = Modes::new(store.clone());
    let mut rows: BTreeMap<(String, String), AuditRow> = BTreeMap::new();
    let mut key_checks: Vec<(Mount, String)> = Vec::new();
    let mut denied = Vec::new();
    let mut unreadable = Vec::new();
    for (scope, s) in scopes.iter().zip(&scans) {
        let mount = &scope.mount;
        denied.extend(s.denied.iter().map(|d| format!("{}/{d}", mount.path)));
        unreadable.extend(s.unreadable.iter().map(|p| format!("{}/{p}", mount.path)));
        for (path, a) in &s.modes {
            let key = (mount.path.clone(), path.clone());
            if rows.contains_key(&key) {
                continue;
            }
            let mut row = AuditRow {
                mount: mount.path.clone(),
                path: path.clone(),
                mode: Mode::None,
                set_by: a.get(super::modes::MODE_BY).cloned(),
                set_at: a.get(super::modes::MODE_AT).cloned(),
                keys: Vec::new(),
                drift: Vec::new(),
            };
            match ModeRecord::from_annotations(a) {
                Err(_) => {
                    row.drift.push(Drift::UnknownMode { value: a.get(MODE).cloned().unwrap_or_default() })
                }
                Ok(r) if r.mode == Mode::None => continue,
                Ok(r) => {
                    row.mode = r.mode;
                    row.keys = r.keys;
                    if !s.existing.contains(path) {
                        row.drift.push(Drift::SecretMissing);
                    } else if let Err(reason) = policy::check_enforceable(&mount.path, path) {
                        row.drift.push(Drift::Unenforceable { reason });
                    } else if text.is_none() {
                        row.drift.push(Drift::NoPolicy { policy: opts.policy_name.clone() });
                    } else {
                        let entry = policy::entry(mount, path, r.mode);
                        let mut missing = policy::missing_rules(&entry, &rules);
                        if mount.version == KvVersion::V1 {
                            let reg = policy::registry_rule(&mount.path);
                            if rules.get(&reg.path) != Some(&reg.capabilities) {
                                missing.push(reg.path);
                            }
                        }
                        if !missing.is_empty() {
                            row.drift.push(Drift::MissingRules {
                                policy: opts.policy_name.clone(),
                                rules: missing,
                            });
                        }
                    }
                    if r.mode == Mode::KeyOnly && opts.check_keys && s.existing.contains(path) {
                        key_checks.push((mount.clone(), path.clone()));
                    }
                }
            }
            rows.insert(key, row);
        }
        // Rules of the policy for secrets of this scope without a mode.
        let mut orphans: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for rule_path in rules.keys() {
            if let Some(p) = policy::secret_of_rule(&mount.path, mount.version, rule_path)
                && scope.contains(&p)
            {
                let has_mode = s
                    .modes
                    .get(&p)
                    .and_then(|a| ModeRecord::from_annotations(a).ok())
                    .is_some_and(|r| r.mode != Mode::None && s.existing.contains(&p));
                if !has_mode {
                    orphans.entry(p).or_default().push(rule_path.clone());
                }
            }
        }
        for (p, rule_paths) in orphans {
            let exists = s.existing.contains(&p);
            let row = rows.entry((mount.path.clone(), p.clone())).or_insert_with(|| AuditRow {
                mount: mount.path.clone(),
                path: p.clone(),
                mode: Mode::None,
                set_by: None,
                set_at: None,
                keys: Vec::new(),
                drift: Vec::new(),
            });
            if !row.drift.iter().any(|d| matches!(d, Drift::OrphanRules { .. })) {
                row.drift.push(Drift::OrphanRules { rules: rule_paths, secret_exists: exists });
            }
        }
    }
    // Key names of key-only secrets, with bounded concurrency.
    if let Some(p) = progress {
        p.to_check.fetch_add(key_checks.len(), Ordering::Relaxed);
    }
    let checked: Vec<(RowKey, Result<Vec<String>, VaultError>)> = stream::iter(key_checks)
        .map(|(m, p)| {
            let modes = &modes;
            async move {
                let r = modes.current_keys(&m, &p).await;
                if let Some(pr) = progress {
                    pr.checked.fetch_add(1, Ordering::Relaxed);
                }
                ((m.path.clone(), p), r)
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    for (key, r) in checked {
        let Some(row) = rows.get_mut(&key) else { continue };
        match r {
            Ok(real) => {
                let recorded: BTreeSet<&String> = row.keys.iter().collect();
                let real: BTreeSet<&String> = real.iter().collect();
                let missing: Vec<String> = recorded.difference(&real).map(|s| (*s).clone()).collect();
                let extra: Vec<String> = real.difference(&recorded).map(|s| (*s).clone()).collect();
                if !missing.is_empty() || !extra.is_empty() {
                    row.drift.push(Drift::KeysDiffer { missing, extra });
                }
            }
            Err(VaultError::Forbidden { .. }) => row
                .drift
                .push(Drift::KeysUnchecked { reason: "cannot check the key names: no read access".into() }),
            Err(VaultError::NotFound { .. }) => row.drift.push(Drift::KeysUnchecked {
                reason: "cannot check the key names: the latest version is deleted".into(),
            }),
            Err(e) if e.is_connection() => return Err(e),
            Err(e) => {
                row.drift.push(Drift::KeysUnchecked { reason: format!("cannot check the key names: {e}") })
            }
        }
    }
    denied.sort();
    denied.dedup();
    unreadable.sort();
    unreadable.dedup();
    Ok(AuditReport {
        policy: opts.policy_name.clone(),
        policy_found: text.is_some(),
        rows: rows.into_values().collect(),
        denied,
        unreadable,
    })
}

/// The report as pretty JSON.
pub fn to_json(report: &AuditReport) -> String {
    let text = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into());
    crate::sanitize::json(&text).into_owned()
}

/// The rows as CSV: `path,mode,set_by,set_at,keys,drift` (keys separated by spaces, drift by `; `).
pub fn to_csv(report: &AuditReport) -> String {
    let mut out = String::from("path,mode,set_by,set_at,keys,drift\n");
    for r in &report.rows {
        let drift: Vec<String> = r.drift.iter().map(|d| format!("{}: {}", d.kind(), d.describe())).collect();
        let fields = [
            r.full_path(),
            r.mode.as_str().to_string(),
            r.set_by.clone().unwrap_or_default(),
            r.set_at.clone().unwrap_or_default(),
            r.keys.join(" "),
            drift.join("; "),
        ];
        let line: Vec<std::borrow::Cow<'_, str>> =
            fields.iter().map(|f| crate::sanitize::csv_cell(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The rows as an aligned text table, one drift per extra line, and a summary.
pub fn to_table(report: &AuditReport) -> String {
    use unicode_width::UnicodeWidthStr as _;
    let cells: Vec<[String; 4]> = report
        .rows
        .iter()
        .map(|r| {
            [
                r.full_path(),
                r.mode.as_str().to_string(),
                r.set_by.clone().unwrap_or_else(|| "-".into()),
                r.set_at.clone().unwrap_or_else(|| "-".into()),
            ]
            .map(|cell| crate::sanitize::terminal(&cell).into_owned())
        })
        .collect();
    let head = ["PATH", "MODE", "SET BY", "SET AT"];
    let mut w = head.map(|h| h.width());
    for c in &cells {
        for (i, s) in c.iter().enumerate() {
            w[i] = w[i].max(s.width());
        }
    }
    let line = |c: [&str; 4]| {
        let mut s = String::new();
        for (i, f) in c.iter().enumerate() {
            s.push_str(f);
            if i < 3 {
                s.push_str(&" ".repeat(w[i] - f.width() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(head);
    for (r, c) in report.rows.iter().zip(&cells) {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3]]));
        if r.mode == Mode::KeyOnly && !r.keys.is_empty() {
            out.push_str(&format!("    keys: {}\n", crate::sanitize::terminal(&r.keys.join(", "))));
        }
        for d in &r.drift {
            out.push_str(&format!(
                "    {} {}: {}\n",
                if d.is_drift() { "!" } else { "?" },
                d.kind(),
                crate::sanitize::terminal(&d.describe())
            ));
        }
    }
    let drifted = report.rows.iter().filter(|r| r.has_drift()).count();
    out.push_str(&format!(
        "{} secret{} with a mode or a rule, {drifted} with drift (policy {}{})\n",
        report.rows.len(),
        if report.rows.len() == 1 { "" } else { "s" },
        report.policy,
        if report.policy_found { "" } else { ", absent on the server" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, mode: Mode, drift: Vec<Drift>) -> AuditRow {
        AuditRow {
            mount: "secret".into(),
            path: path.into(),
            mode,
            set_by: Some("root".into()),
            set_at: Some("2025-01-01T00:00:00Z".into()),
            keys: if mode == Mode::KeyOnly { vec!["A".into(), "B".into()] } else { vec![] },
            drift,
        }
    }

    fn report() -> AuditReport {
        AuditReport {
            policy: "sesame-modes".into(),
            policy_found: true,
            rows: vec![
                row("a, \"b\"", Mode::ReadOnly, vec![]),
                row(
                    "k",
                    Mode::KeyOnly,
                    vec![
                        Drift::KeysDiffer { missing: vec!["B".into()], extra: vec!["C".into()] },
                        Drift::KeysUnchecked { reason: "x".into() },
                    ],
                ),
            ],
            denied: vec![],
            unreadable: vec![],
        }
    }

    #[test]
    fn exports() {
        let r = report();
        assert!(r.has_drift());
        let csv = to_csv(&r);
        assert_eq!(csv.lines().next(), Some("path,mode,set_by,set_at,keys,drift"));
        assert!(csv.contains("\"secret/a, \"\"b\"\"\",readonly,root"), "{csv}");
        assert!(csv.contains("keys-differ: "), "{csv}");
        let json: serde_json::Value = serde_json::from_str(&to_json(&r)).unwrap();
        assert_eq!(json["rows"][1]["mode"], "key-only");
        assert_eq!(json["rows"][1]["drift"][0]["kind"], "keys-differ");
        assert_eq!(json["rows"][1]["drift"][0]["extra"][0], "C");
        let t = to_table(&r);
        assert!(
            t.contains("! keys-differ") && t.contains("? keys-unchecked") && t.contains("1 with drift"),
            "{t}"
        );
    }

    #[test]
    fn scope_contains() {
        let m = Mount { path: "s".into(), version: KvVersion::V2, description: String::new() };
        let s = Scope { mount: m.clone(), folder: "a/b".into() };
        assert!(s.contains("a/b/c") && s.contains("a/b") && !s.contains("a/bc") && !s.contains("x"));
        assert!(Scope::mount(m).contains("anything"));
        assert!(!Drift::KeysUnchecked { reason: String::new() }.is_drift());
    }

    #[test]
    fn progress_fraction_moves_within_bounds() {
        let p = AuditProgress::default();
        assert_eq!(p.fraction(), 0.0);
        p.scopes_total.store(1, Ordering::Relaxed);
        p.walk.listed.store(3, Ordering::Relaxed);
        p.to_check.store(10, Ordering::Relaxed);
        p.checked.store(5, Ordering::Relaxed);
        let f = p.fraction();
        assert!(f > 0.0 && f < 1.0, "{f}");
        p.checked.store(10, Ordering::Relaxed);
        p.scopes_done.store(1, Ordering::Relaxed);
        assert!((p.fraction() - 1.0).abs() < 1e-9);
        assert!(p.label().contains("10/10 checked"));
    }
}
