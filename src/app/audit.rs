//! The audit view, for admins: every secret with a mode across the chosen mounts, who set it and when, and
//! where the server's policy or the data drifted from the modes ([`crate::vault::audit`]).
//!
//! # Flow
//! - `A` in the explorer opens the view: it audits the current mount, or every KV mount when opened from the
//!   list of mounts. The crawl runs in the background ([`AuditEffect::Run`], bounded concurrency); its
//!   [`AuditProgress`] is shared with the view through an [`AuditHandle`] and polled on each
//!   [`super::Msg::Tick`] for the progress bar.
//! - The report arrives as [`AuditMsg::Done`] (answers of a crawl the user left or restarted are dropped). The
//!   rows can be filtered (`/`), sorted (path, mode, who, when, drift first), and exported as JSON or CSV to a
//!   file ([`AuditEffect::Export`]; the report holds paths, modes, names and key names, never a value).
//! - Enter closes the view and opens the row's folder with the secret selected; `r` audits again; Esc or `q`
//!   clears the filter, then closes the view and stops a crawl still running.
//! - A failed crawl (a token that may not read the policy or list the mount: not an admin) says so in the
//!   view; folders the token may not list and metadata it may not read are counted under the rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::{Action, App, Effect, parent};
use crate::keymap::{Context, Key};
use crate::vault::VaultError;
use crate::vault::audit::{AuditProgress, AuditReport, AuditRow, Drift, Scope};
use crate::vault::kv::Mount;
use crate::vault::modes::Mode;
use crate::vault::policy::DEFAULT_POLICY_NAME;

/// The progress counters of a running audit and its stop flag, shared with its task (equal only to itself).
#[derive(Debug, Clone, Default)]
pub struct AuditHandle {
    /// The crawl's counters, for the progress bar.
    pub progress: Arc<AuditProgress>,
    /// Set when the user closed the view or started again: the task drops its work.
    pub cancel: Arc<AtomicBool>,
}

impl AuditHandle {
    /// Asks the task to stop (requests in flight are dropped with it).
    pub fn stop(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// True once [`AuditHandle::stop`] was called.
    pub fn stopped(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl PartialEq for AuditHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.progress, &other.progress)
    }
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// [`crate::vault::audit::to_json`].
    Json,
    /// [`crate::vault::audit::to_csv`].
    Csv,
}

impl ExportFormat {
    /// `JSON` or `CSV`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Csv => "CSV",
        }
    }

    /// The file name offered first, in the current directory.
    pub fn default_path(self) -> &'static str {
        match self {
            Self::Json => "sesame-audit.json",
            Self::Csv => "sesame-audit.csv",
        }
    }

    /// The report in this format.
    pub fn render(self, report: &AuditReport) -> String {
        match self {
            Self::Json => crate::vault::audit::to_json(report) + "\n",
            Self::Csv => crate::vault::audit::to_csv(report),
        }
    }
}

/// Network and file work of the audit view; each answer comes back as an [`AuditMsg`] with the same `req`.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditEffect {
    /// Audit these scopes against the policy `policy`.
    Run {
        /// Request id.
        req: u64,
        /// What to crawl.
        scopes: Vec<Scope>,
        /// The policy to compare with.
        policy: String,
        /// Progress and stop flag, shared with the view.
        handle: AuditHandle,
    },
    /// Write the report to a file (`~` expanded, relative to the current directory).
    Export {
        /// Request id.
        req: u64,
        /// The path typed.
        path: String,
        /// JSON or CSV.
        format: ExportFormat,
        /// The report to write.
        report: AuditReport,
        /// Replace a file already there.
        overwrite: bool,
    },
}

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportResult {
    /// Written to this absolute path.
    Written(String),
    /// Nothing written: a file is already at this absolute path.
    Exists(String),
    /// Nothing written, for this reason.
    Failed(String),
}

/// Answers of the audit's work.
#[derive(Debug)]
pub enum AuditMsg {
    /// The crawl finished.
    Done {
        /// Request id.
        req: u64,
        /// The report, or why there is none.
        result: Result<AuditReport, VaultError>,
    },
    /// An export finished.
    Exported {
        /// Request id.
        req: u64,
        /// What happened.
        result: ExportResult,
    },
}

/// The order of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// By mount and path.
    #[default]
    Path,
    /// By mode (readonly, then key-only, then rows without a mode), then path.
    Mode,
    /// By who set the mode, then path.
    Who,
    /// Newest mode first, then path.
    When,
    /// Rows with drift first, then notes, then the rest; then path.
    Drift,
}

impl SortKey {
    /// The next order, in a cycle.
    pub fn next(self) -> Self {
        match self {
            Self::Path => Self::Mode,
            Self::Mode => Self::Who,
            Self::Who => Self::When,
            Self::When => Self::Drift,
            Self::Drift => Self::Path,
        }
    }

    /// `path`, `mode`, `who`, `when (newest first)`, `drift first`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Mode => "mode",
            Self::Who => "who",
            Self::When => "when (newest first)",
            Self::Drift => "drift first",
        }
    }
}

/// The export prompt: the file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPrompt {
    /// JSON or CSV.
    pub format: ExportFormat,
    /// The path typed so far.
    pub text: String,
    /// Why the last Enter did not write (or what the next Enter does).
    pub error: Option<String>,
    /// The next Enter replaces the file at `text` (the user was told it exists).
    pub overwrite: bool,
    /// The pending write.
    pub writing: Option<u64>,
}

/// The audit view's state.
#[derive(Debug, Clone)]
pub struct AuditView {
    /// What is audited.
    pub scopes: Vec<Scope>,
    /// The policy compared with.
    pub policy: String,
    /// The pending crawl.
    pub req: u64,
    /// The running crawl's progress and stop flag (`None` when none runs).
    pub running: Option<AuditHandle>,
    /// The progress, as of the last tick: done over known work, in `0.0..=1.0`.
    pub fraction: f64,
    /// The progress in words, as of the last tick.
    pub label: String,
    /// The last report.
    pub report: Option<AuditReport>,
    /// Why the last crawl failed.
    pub error: Option<String>,
    /// The filter (case-insensitive; path, mode, who, when or drift kind).
    pub filter: String,
    /// True while the filter is being typed.
    pub filter_editing: bool,
    /// The order of the rows.
    pub sort: SortKey,
    /// Indices into the report's rows, filtered and sorted.
    pub view: Vec<usize>,
    /// Selected position in `view`.
    pub selected: usize,
    /// First visible position in `view`.
    pub offset: usize,
    /// The export prompt, when open.
    pub export: Option<ExportPrompt>,
}

impl AuditView {
    /// A view whose crawl (request `req`) is starting.
    pub fn new(scopes: Vec<Scope>, policy: String, req: u64, handle: AuditHandle) -> Self {
        Self {
            scopes,
            policy,
            req,
            running: Some(handle),
            fraction: 0.0,
            label: String::new(),
            report: None,
            error: None,
            filter: String::new(),
            filter_editing: false,
            sort: SortKey::Path,
            view: Vec::new(),
            selected: 0,
            offset: 0,
            export: None,
        }
    }

    /// True while a crawl or an export runs.
    pub fn busy(&self) -> bool {
        self.running.is_some() || self.export.as_ref().is_some_and(|e| e.writing.is_some())
    }

    /// What is audited, e.g. `secret/` or `legacy/, secret/`.
    pub fn scope_label(&self) -> String {
        self.scopes.iter().map(Scope::display).collect::<Vec<_>>().join(", ")
    }

    /// The rows shown, in order.
    pub fn rows(&self) -> impl Iterator<Item = &AuditRow> {
        let rows = self.report.as_ref().map_or(&[][..], |r| r.rows.as_slice());
        self.view.iter().filter_map(move |&i| rows.get(i))
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<&AuditRow> {
        let i = *self.view.get(self.selected)?;
        self.report.as_ref()?.rows.get(i)
    }

    /// Rebuilds `view` from the report, the filter and the order, keeping the selected row when it stays.
    pub fn rebuild(&mut self) {
        let keep = self.selected_row().map(|r| (r.mount.clone(), r.path.clone()));
        let Some(report) = &self.report else {
            self.view.clear();
            self.selected = 0;
            self.offset = 0;
            return;
        };
        let needle = self.filter.to_lowercase();
        let mut view: Vec<usize> =
            (0..report.rows.len()).filter(|&i| matches_filter(&report.rows[i], &needle)).collect();
        let rows = &report.rows;
        view.sort_by(|&a, &b| {
            let (x, y) = (&rows[a], &rows[b]);
            let by = match self.sort {
                SortKey::Path => std::cmp::Ordering::Equal,
                SortKey::Mode => mode_rank(x.mode).cmp(&mode_rank(y.mode)),
                SortKey::Who => (x.set_by.is_none(), &x.set_by).cmp(&(y.set_by.is_none(), &y.set_by)),
                SortKey::When => (x.set_at.is_none(), std::cmp::Reverse(&x.set_at))
                    .cmp(&(y.set_at.is_none(), std::cmp::Reverse(&y.set_at))),
                SortKey::Drift => drift_rank(x).cmp(&drift_rank(y)),
            };
            by.then_with(|| (&x.mount, &x.path).cmp(&(&y.mount, &y.path)))
        });
        self.view = view;
        self.selected = keep
            .and_then(|(m, p)| {
                self.view.iter().position(|&i| report.rows[i].mount == m && report.rows[i].path == p)
            })
            .unwrap_or(0)
            .min(self.view.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` rows and keeps it within `page` visible rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let last = self.view.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.scroll_into_view(page);
    }

    /// Keeps the selection within `page` visible rows.
    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(page));
    }

    fn open_export(&mut self, format: ExportFormat) -> Result<(), String> {
        if self.report.is_none() {
            return Err("nothing to export yet: the audit has not finished".into());
        }
        self.export = Some(ExportPrompt {
            format,
            text: format.default_path().to_string(),
            error: None,
            overwrite: false,
            writing: None,
        });
        Ok(())
    }
}

/// True when the row matches a lower-case filter: path, mode, who, when or a drift kind.
fn matches_filter(row: &AuditRow, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let hit = |s: &str| s.to_lowercase().contains(needle);
    hit(&row.full_path())
        || hit(row.mode.as_str())
        || row.set_by.as_deref().is_some_and(hit)
        || row.set_at.as_deref().is_some_and(hit)
        || row.drift.iter().any(|d| hit(d.kind()) || hit(&drift_name(d)))
}

/// readonly, key-only, then no mode.
fn mode_rank(m: Mode) -> u8 {
    match m {
        Mode::ReadOnly => 0,
        Mode::KeyOnly => 1,
        Mode::None => 2,
    }
}

/// Drift first, then notes only, then rows without either.
fn drift_rank(r: &AuditRow) -> u8 {
    if r.has_drift() {
        0
    } else if !r.drift.is_empty() {
        1
    } else {
        2
    }
}

/// The kind of a drift in words: `keys differ`, `missing rules`….
pub fn drift_name(d: &Drift) -> String {
    match d {
        Drift::SecretMissing => "secret gone".to_string(),
        other => other.kind().replace('-', " "),
    }
}

/// A short summary of a row's drift for its column: `ok`, `! keys differ`, `! no policy +1`, `? keys
/// unchecked` (`!` drift, `?` a note that is not drift), readable without colour.
pub fn drift_summary(r: &AuditRow) -> String {
    let mut ds: Vec<&Drift> = r.drift.iter().filter(|d| d.is_drift()).collect();
    let mark = if ds.is_empty() { "?" } else { "!" };
    if ds.is_empty() {
        ds = r.drift.iter().collect();
    }
    match ds.first() {
        None => "ok".to_string(),
        Some(d) => {
            let more = r.drift.len() - 1;
            if more > 0 {
                format!("{mark} {} +{more}", drift_name(d))
            } else {
                format!("{mark} {}", drift_name(d))
            }
        }
    }
}

/// Says why a crawl failed, with what it takes.
fn failure(e: &VaultError, policy: &str) -> String {
    match e {
        VaultError::Forbidden { .. } => format!(
            "{e}. The audit is for admins: it needs a token that may list the mounts' folders, read the \
             secrets' metadata and read the policy {policy}."
        ),
        _ => format!("the audit failed: {e}"),
    }
}

impl App {
    /// Opens the audit view for the current mount (every KV mount at the list of mounts) and starts the
    /// crawl.
    pub(super) fn open_audit(&mut self, out: &mut Vec<Effect>) {
        let scopes: Vec<Scope> = match &self.mount {
            Some(m) => vec![Scope::mount(m.clone())],
            None => self.mounts.iter().flatten().cloned().map(Scope::mount).collect(),
        };
        if scopes.is_empty() {
            self.error("no KV mount to audit");
            return;
        }
        let req = self.req();
        let handle = AuditHandle::default();
        let policy = DEFAULT_POLICY_NAME.to_string();
        out.push(Effect::Audit(AuditEffect::Run {
            req,
            scopes: scopes.clone(),
            policy: policy.clone(),
            handle: handle.clone(),
        }));
        self.audit = Some(AuditView::new(scopes, policy, req, handle));
    }

    /// Audits again, keeping the rows on screen until the new report arrives.
    fn rerun_audit(&mut self, out: &mut Vec<Effect>) {
        let req = self.req();
        let Some(v) = self.audit.as_mut() else { return };
        if let Some(h) = v.running.take() {
            h.stop();
        }
        let handle = AuditHandle::default();
        v.req = req;
        v.running = Some(handle.clone());
        v.fraction = 0.0;
        v.label.clear();
        v.error = None;
        out.push(Effect::Audit(AuditEffect::Run {
            req,
            scopes: v.scopes.clone(),
            policy: v.policy.clone(),
            handle,
        }));
    }

    /// Closes the view, stopping a crawl still running.
    fn close_audit(&mut self) {
        if let Some(h) = self.audit.take().and_then(|v| v.running) {
            h.stop();
        }
    }

    /// Keys: the open view takes every key; in the explorer, the audit action opens it. True when the key
    /// was used.
    pub(super) fn audit_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) -> bool {
        if self.audit.is_none() {
            if self.screen_context() == Context::Explorer
                && !self.filter_editing
                && self.keymap.lookup(Context::Explorer, Key::from_event(&key)) == Some(Action::Audit)
            {
                self.open_audit(out);
                return true;
            }
            return false;
        }
        let page = crate::layout::audit_rows_height(self.size);
        let Some(v) = self.audit.as_mut() else { return false };
        if v.export.is_some() {
            self.export_key(key, out);
            return true;
        }
        if v.filter_editing {
            match key.code {
                KeyCode::Enter => v.filter_editing = false,
                KeyCode::Esc => {
                    v.filter_editing = false;
                    v.filter.clear();
                    v.rebuild();
                }
                KeyCode::Backspace => {
                    v.filter.pop();
                    v.rebuild();
                }
                KeyCode::Down => v.move_by(1, page),
                KeyCode::Up => v.move_by(-1, page),
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    v.filter.push(c);
                    v.rebuild();
                }
                _ => {}
            }
            v.scroll_into_view(page);
            return true;
        }
        let Some(action) = self.keymap.lookup(Context::Audit, Key::from_event(&key)) else { return true };
        self.audit_action(action, page, out);
        true
    }

    fn audit_action(&mut self, action: Action, page: usize, out: &mut Vec<Effect>) {
        let Some(v) = self.audit.as_mut() else { return };
        match action {
            Action::Down => v.move_by(1, page),
            Action::Up => v.move_by(-1, page),
            Action::PageDown => v.move_by(page as isize, page),
            Action::PageUp => v.move_by(-(page as isize), page),
            Action::Top => v.move_by(-(v.view.len() as isize), page),
            Action::Bottom => v.move_by(v.view.len() as isize, page),
            Action::Filter => v.filter_editing = true,
            Action::ClearFilter => {
                v.filter.clear();
                v.rebuild();
                v.scroll_into_view(page);
            }
            Action::ToggleSort => {
                v.sort = v.sort.next();
                v.rebuild();
                v.scroll_into_view(page);
                let text = format!("sorted by {}", v.sort.label());
                self.info(text);
            }
            Action::ExportJson | Action::ExportCsv => {
                let format =
                    if action == Action::ExportJson { ExportFormat::Json } else { ExportFormat::Csv };
                if let Err(e) = v.open_export(format) {
                    self.error(e);
                }
            }
            Action::Refresh => self.rerun_audit(out),
            Action::Help => self.open_help(),
            Action::Back | Action::Quit => {
                if v.filter.is_empty() {
                    self.close_audit();
                } else {
                    v.filter.clear();
                    v.rebuild();
                    v.scroll_into_view(page);
                }
            }
            Action::Open => self.jump_to_selected(out),
            _ => {}
        }
    }

    /// Closes the view and opens the selected row's folder with its secret selected.
    fn jump_to_selected(&mut self, out: &mut Vec<Effect>) {
        let Some(v) = self.audit.as_ref() else { return };
        let Some(row) = v.selected_row().cloned() else { return };
        let mount: Option<Mount> = self
            .mounts
            .iter()
            .flatten()
            .chain(v.scopes.iter().map(|s| &s.mount))
            .find(|m| m.path == row.mount)
            .cloned();
        let Some(mount) = mount else {
            self.error(format!("{}/ is not a known mount", row.mount));
            return;
        };
        self.close_audit();
        let (folder, name) = parent(&row.path);
        let (folder, name) = (folder.to_string(), name.to_string());
        if name.starts_with('.') && !self.list.show_hidden {
            self.list.show_hidden = true;
        }
        self.enter(Some(mount), folder, Some(name), out);
        let gone = row
            .drift
            .iter()
            .any(|d| matches!(d, Drift::SecretMissing | Drift::OrphanRules { secret_exists: false, .. }));
        if gone {
            self.info(format!("{} no longer exists: this is its folder", row.full_path()));
        }
    }

    /// Keys typed into the export prompt.
    fn export_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        let Some(v) = self.audit.as_mut() else { return };
        let Some(p) = v.export.as_mut() else { return };
        if p.writing.is_some() {
            if key.code == KeyCode::Esc {
                // The write finishes anyway; its answer still says where the file went.
                v.export = None;
            }
            return;
        }
        match key.code {
            KeyCode::Esc => v.export = None,
            KeyCode::Enter => {
                let path = p.text.trim().to_string();
                if path.is_empty() {
                    p.error = Some("type a file name".into());
                    return;
                }
                let Some(report) = v.report.clone() else { return };
                let req = super::next_id(&mut self.next_req);
                p.writing = Some(req);
                p.error = None;
                out.push(Effect::Audit(AuditEffect::Export {
                    req,
                    path,
                    format: p.format,
                    report,
                    overwrite: p.overwrite,
                }));
            }
            KeyCode::Backspace => {
                p.text.pop();
                p.overwrite = false;
                p.error = None;
            }
            _ if self.keymap.lookup_in(Context::Line, Key::from_event(&key)) == Some(Action::ClearLine) => {
                p.text.clear();
                p.overwrite = false;
                p.error = None;
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                p.text.push(c);
                p.overwrite = false;
                p.error = None;
            }
            _ => {}
        }
    }

    /// The mouse over the open view: the wheel moves the selection. True when the view is open (the
    /// explorer beneath must not move).
    pub(super) fn audit_mouse(&mut self, m: &MouseEvent) {
        let page = crate::layout::audit_rows_height(self.size);
        let Some(v) = self.audit.as_mut() else { return };
        match m.kind {
            MouseEventKind::ScrollDown => v.move_by(3, page),
            MouseEventKind::ScrollUp => v.move_by(-3, page),
            _ => {}
        }
    }

    /// Polls the running crawl's progress (on each tick).
    pub(super) fn audit_tick(&mut self) {
        if let Some(v) = self.audit.as_mut()
            && let Some(h) = &v.running
        {
            v.fraction = h.progress.fraction();
            v.label = h.progress.label();
        }
    }

    /// Handles an answer of the audit's work.
    pub(super) fn on_audit_msg(&mut self, msg: AuditMsg) {
        let page = crate::layout::audit_rows_height(self.size);
        match msg {
            AuditMsg::Done { req, result } => {
                let Some(v) = self.audit.as_mut() else { return };
                if v.req != req {
                    return; // A crawl the user restarted.
                }
                v.running = None;
                v.fraction = 1.0;
                match result {
                    Ok(report) => {
                        v.error = None;
                        v.report = Some(report);
                        v.rebuild();
                        v.scroll_into_view(page);
                    }
                    Err(e) => v.error = Some(failure(&e, &v.policy)),
                }
            }
            AuditMsg::Exported { req, result } => {
                let rows = self.audit.as_ref().and_then(|v| v.report.as_ref()).map_or(0, |r| r.rows.len());
                let prompt =
                    self.audit.as_mut().and_then(|v| v.export.as_mut()).filter(|p| p.writing == Some(req));
                match (result, prompt) {
                    (ExportResult::Written(path), prompt) => {
                        let what = format!("{rows} {}", if rows == 1 { "row" } else { "rows" });
                        let text = match prompt.as_ref() {
                            Some(p) => {
                                format!(
                                    "exported {what} as {} to {path} (no secret values)",
                                    p.format.label()
                                )
                            }
                            None => format!("exported the audit to {path} (no secret values)"),
                        };
                        if prompt.is_some()
                            && let Some(v) = self.audit.as_mut()
                        {
                            v.export = None;
                        }
                        self.info(text);
                    }
                    (ExportResult::Exists(path), Some(p)) => {
                        p.writing = None;
                        p.overwrite = true;
                        p.error = Some(format!("{path} exists: Enter replaces it, or change the name"));
                    }
                    (ExportResult::Failed(e), Some(p)) => {
                        p.writing = None;
                        p.error = Some(e);
                    }
                    (ExportResult::Exists(path), None) => self.error(format!("not exported: {path} exists")),
                    (ExportResult::Failed(e), None) => self.error(format!("not exported: {e}")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, mode: Mode, by: Option<&str>, at: Option<&str>, drift: Vec<Drift>) -> AuditRow {
        AuditRow {
            mount: "secret".into(),
            path: path.into(),
            mode,
            set_by: by.map(str::to_string),
            set_at: at.map(str::to_string),
            keys: Vec::new(),
            drift,
        }
    }

    fn view() -> AuditView {
        let mut v = AuditView::new(Vec::new(), "p".into(), 1, AuditHandle::default());
        v.running = None;
        v.report = Some(AuditReport {
            policy: "p".into(),
            policy_found: true,
            rows: vec![
                row("a", Mode::KeyOnly, Some("zed"), Some("2025-01-01T00:00:00Z"), vec![]),
                row("b", Mode::ReadOnly, None, None, vec![Drift::KeysUnchecked { reason: "x".into() }]),
                row("c", Mode::None, Some("amy"), Some("2026-01-01T00:00:00Z"), vec![Drift::SecretMissing]),
            ],
            denied: vec![],
            unreadable: vec![],
        });
        v.rebuild();
        v
    }

    fn paths(v: &AuditView) -> Vec<&str> {
        v.rows().map(|r| r.path.as_str()).collect()
    }

    #[test]
    fn sorts_cycle_and_keep_the_selection() {
        let mut v = view();
        assert_eq!(paths(&v), ["a", "b", "c"]);
        v.selected = 2;
        v.sort = SortKey::Mode;
        v.rebuild();
        assert_eq!(paths(&v), ["b", "a", "c"]);
        assert_eq!(v.selected_row().map(|r| r.path.as_str()), Some("c"));
        v.sort = SortKey::Who;
        v.rebuild();
        assert_eq!(paths(&v), ["c", "a", "b"]);
        v.sort = SortKey::When;
        v.rebuild();
        assert_eq!(paths(&v), ["c", "a", "b"]);
        v.sort = SortKey::Drift;
        v.rebuild();
        assert_eq!(paths(&v), ["c", "b", "a"]);
        assert_eq!(SortKey::Drift.next(), SortKey::Path);
    }

    #[test]
    fn filter_matches_path_mode_who_and_drift() {
        let mut v = view();
        for (f, want) in
            [("KEY-ONLY", vec!["a"]), ("amy", vec!["c"]), ("gone", vec!["c"]), ("unch", vec!["b"])]
        {
            v.filter = f.into();
            v.rebuild();
            assert_eq!(paths(&v), want, "{f}");
        }
    }

    #[test]
    fn drift_summaries_are_readable_without_colour() {
        let v = view();
        let s: Vec<String> = v.rows().map(drift_summary).collect();
        assert_eq!(s, ["ok", "? keys unchecked", "! secret gone"]);
        let r = row(
            "d",
            Mode::KeyOnly,
            None,
            None,
            vec![Drift::KeysUnchecked { reason: "x".into() }, Drift::NoPolicy { policy: "p".into() }],
        );
        assert_eq!(drift_summary(&r), "! no policy +1");
    }

    #[test]
    fn scrolling_stays_in_bounds() {
        let mut v = view();
        v.move_by(10, 2);
        assert_eq!((v.selected, v.offset), (2, 1));
        v.move_by(-10, 2);
        assert_eq!((v.selected, v.offset), (0, 0));
    }
}
