//! Delete, rename, move and copy of secrets and folders, from the explorer and the secret view, and the
//! gating of every action by what the token may do ([`super::perms`]).
//!
//! # Flows
//! - **Delete a secret**: a confirmation with the ways to delete it (KV v2: the latest version, which can be
//!   undeleted, or every version; KV v1: the secret), the ways the token may not use shown disabled.
//! - **Delete a folder**: the secrets below it are counted in the background (a spinner meanwhile); the
//!   confirmation says how many there are and asks for the folder's name to be typed. Progress while
//!   deleting (Esc stops starting new deletes), then a report of what was and was not deleted.
//! - **Rename, move, copy** a secret or a folder: a prompt for the destination (`mount/path`, checked as it
//!   is typed; a trailing `/` puts it inside that folder), checked in the background (its mount resolved,
//!   whether something is there, whether the token may create there); a confirmation when the destination
//!   exists; then the transfer with progress, and a report listing what moved, what was copied but kept at
//!   the source, what failed and what was not attempted.
//!
//! Every step that needs the server is a [`Effect::Ops`] whose answer comes back as a
//! [`super::Msg::Ops`] with the request id; answers for a flow the user left are dropped. The network side
//! is in [`super::ops_effects`].

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::perms::{self, PermCache, Query};
use super::{Action, App, Effect, join, parent};
use crate::keymap::{Context, Key};
use crate::secret::rules;
use crate::vault::VaultError;
use crate::vault::capabilities::Permission;
use crate::vault::kv::{KvVersion, Mount};
use crate::vault::transfer::{BatchProgress, BatchReport, ItemReport, ItemStatus, Location, TransferMode};
use crate::vault::walk::WalkResult;
use crate::vault::write::DeleteMode;

/// A secret or folder an operation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The mount.
    pub mount: Mount,
    /// The path inside the mount (a folder's without the trailing slash).
    pub path: String,
    /// True for a folder.
    pub is_folder: bool,
}

impl Target {
    /// `mount/path`, with a trailing `/` for a folder.
    pub fn display(&self) -> String {
        format!("{}/{}{}", self.mount.path, self.path, if self.is_folder { "/" } else { "" })
    }

    /// The location for the transfer and delete functions.
    pub fn location(&self) -> Location {
        Location::new(self.mount.clone(), &self.path)
    }

    /// The last segment of the path.
    pub fn name(&self) -> &str {
        parent(&self.path).1
    }

    /// The folder holding it.
    pub fn folder(&self) -> &str {
        parent(&self.path).0
    }
}

/// The progress counters of a running batch, shared with its task (equal only to itself).
#[derive(Debug, Clone, Default)]
pub struct ProgressHandle(pub Arc<BatchProgress>);

impl PartialEq for ProgressHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// Delete.
    Delete,
    /// Move (anywhere, also to another mount).
    Move,
    /// Move within the same folder, under a new name.
    Rename,
    /// Copy.
    Copy,
}

impl OpKind {
    /// `delete`, `move`, `rename`, `copy`.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Move => "move",
            Self::Rename => "rename",
            Self::Copy => "copy",
        }
    }

    /// `deleted`, `moved`, `renamed`, `copied`.
    pub fn done(self) -> &'static str {
        match self {
            Self::Delete => "deleted",
            Self::Move => "moved",
            Self::Rename => "renamed",
            Self::Copy => "copied",
        }
    }

    /// The transfer mode (a rename is a move).
    pub fn mode(self) -> TransferMode {
        if self == Self::Copy { TransferMode::Copy } else { TransferMode::Move }
    }
}

/// One way to delete a secret, offered in its confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteChoice {
    /// What is deleted.
    pub mode: DeleteMode,
    /// What the choice does, in words.
    pub label: String,
    /// Why the token may not, when the server said so.
    pub denied: Option<String>,
}

/// The secrets below a folder, for its delete confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    /// Still walking the folder.
    Counting,
    /// Walked.
    Counted(WalkResult),
    /// The walk failed.
    Failed(String),
}

/// Where a flow stands; drawn as a popup over the explorer or the secret view.
#[derive(Debug, Clone)]
pub enum Stage {
    /// A secret's delete confirmation.
    DeleteSecret {
        /// The secret.
        target: Target,
        /// The ways to delete it.
        choices: Vec<DeleteChoice>,
        /// The highlighted choice.
        selected: usize,
    },
    /// A folder's delete confirmation: the count, then the typed name.
    DeleteFolder {
        /// The folder.
        target: Target,
        /// The pending count.
        req: u64,
        /// The secrets below it.
        count: Count,
        /// KV v2: delete every version (else the latest, undeletable).
        all_versions: bool,
        /// The text typed so far.
        typed: String,
        /// Why Enter did nothing.
        error: Option<String>,
    },
    /// The destination prompt of a rename, move or copy.
    Destination {
        /// What moves.
        target: Target,
        /// Rename, move or copy.
        kind: OpKind,
        /// The text typed (rename: the new name; else `mount/path`).
        text: String,
        /// Why the text cannot be used, updated as it is typed.
        error: Option<String>,
        /// The pending destination check.
        checking: Option<u64>,
    },
    /// The destination exists: overwrite it?
    Overwrite {
        /// What moves.
        target: Target,
        /// Rename, move or copy.
        kind: OpKind,
        /// The text typed, to go back to the prompt.
        text: String,
        /// The destination.
        dst: Location,
        /// What is there, in words.
        existing: String,
    },
    /// A delete or transfer running in the background.
    Running {
        /// What it applies to.
        target: Target,
        /// What is done.
        kind: OpKind,
        /// The destination of a transfer.
        dst: Option<Location>,
        /// How a single secret is deleted.
        delete_mode: Option<DeleteMode>,
        /// The pending request.
        req: u64,
        /// Live counters.
        progress: ProgressHandle,
        /// Items to handle (0 until known), as polled on the last tick.
        total: usize,
        /// Items finished, as polled on the last tick.
        finished: usize,
        /// Items that did not end as done, as polled on the last tick.
        failed: usize,
        /// True once the user asked to stop.
        stopping: bool,
    },
    /// What a batch did.
    Report {
        /// The popup's title.
        title: String,
        /// `3 moved, 1 failed…`
        summary: String,
        /// The report.
        report: BatchReport,
        /// `deleted`, `moved`, `copied`…
        verb: &'static str,
        /// Lines in the popup (counted when the report arrived).
        lines: usize,
        /// First line shown.
        scroll: usize,
    },
}

/// The state of the operations: the flow in progress and the permissions cache.
#[derive(Debug, Clone, Default)]
pub struct OpsState {
    /// The flow in progress, drawn as a popup.
    pub stage: Option<Stage>,
    /// What the token may do in the current folder.
    pub perms: PermCache,
}

impl OpsState {
    /// The keymap context of the open dialog: a menu of versions to delete, a typed confirmation or a
    /// destination (a text line), a question, or a report.
    pub fn context(&self) -> Context {
        match self.stage {
            Some(Stage::DeleteSecret { .. }) => Context::Menu,
            Some(Stage::DeleteFolder { .. } | Stage::Destination { .. }) => Context::Line,
            Some(Stage::Overwrite { .. }) => Context::Confirm,
            _ => Context::Report,
        }
    }

    /// True while something runs in the background (the spinner turns, ticks poll the progress).
    pub fn busy(&self) -> bool {
        matches!(
            self.stage,
            Some(
                Stage::Running { .. }
                    | Stage::DeleteFolder { count: Count::Counting, .. }
                    | Stage::Destination { checking: Some(_), .. }
            )
        )
    }
}

/// What a destination check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestCheck {
    /// The destination, resolved.
    pub dst: Location,
    /// What is already there, in words.
    pub existing: Option<String>,
    /// Why the token may not write there, when the server said so.
    pub denied: Option<String>,
}

/// Answers of the operations' network work.
#[derive(Debug)]
pub enum OpsMsg {
    /// A folder was counted.
    Counted {
        /// The request.
        req: u64,
        /// The walk.
        result: Result<WalkResult, VaultError>,
    },
    /// A destination was checked.
    Checked {
        /// The request.
        req: u64,
        /// The check.
        result: Result<DestCheck, VaultError>,
    },
    /// One secret was deleted; `Some(note)` when something beside it could not be tidied.
    Deleted {
        /// The request.
        req: u64,
        /// The outcome.
        result: Result<Option<String>, VaultError>,
    },
    /// A batch (folder delete, transfer) finished; an error means it was refused before anything changed.
    Done {
        /// The request.
        req: u64,
        /// The report.
        result: Result<BatchReport, VaultError>,
    },
    /// Permissions for the folder `scope`.
    Permissions {
        /// `mount/folder` asked for.
        scope: String,
        /// The answers.
        answers: Vec<(Query, Permission)>,
    },
}

/// The operations' network work.
#[derive(Debug, Clone, PartialEq)]
pub enum OpsEffect {
    /// Count the secrets below a folder.
    Count {
        /// The request.
        req: u64,
        /// The folder.
        target: Target,
    },
    /// Resolve and check a destination typed as `mount/path`.
    CheckDestination {
        /// The request.
        req: u64,
        /// What would move there.
        source: Target,
        /// `mount/path`, as mv(1) reads it: inside it when it is an existing folder, else the new name.
        text: String,
        /// A rename: `text` is the new name itself, even where a folder of that name exists.
        rename: bool,
    },
    /// Delete one secret (and, KV v1, its annotations).
    DeleteSecret {
        /// The request.
        req: u64,
        /// The secret.
        target: Target,
        /// Which versions.
        mode: DeleteMode,
    },
    /// Delete every secret below a folder.
    DeleteFolder {
        /// The request.
        req: u64,
        /// The folder.
        target: Target,
        /// Which versions.
        mode: DeleteMode,
        /// Live counters.
        progress: ProgressHandle,
    },
    /// Copy or move a secret or folder.
    Transfer {
        /// The request.
        req: u64,
        /// What moves.
        source: Target,
        /// Where to.
        dst: Location,
        /// Copy or move.
        mode: TransferMode,
        /// Overwrite what is there (check-and-set against what is seen).
        overwrite: bool,
        /// Live counters.
        progress: ProgressHandle,
    },
    /// Ask what the token may do.
    Permissions {
        /// The folder the answers are for.
        scope: String,
        /// The mount.
        mount: Mount,
        /// The questions.
        queries: Vec<Query>,
    },
}

/// Why a destination text cannot be used, or `None`.
pub fn destination_error(source: &Target, kind: OpKind, text: &str) -> Option<String> {
    if kind == OpKind::Rename {
        if let Some(e) = rules::name_error(text) {
            return Some(e);
        }
        return (text == source.name()).then(|| "that is its name already".to_string());
    }
    let t = text.trim_start_matches('/');
    if t.is_empty() {
        return Some("type mount/path, e.g. secret/apps/web".to_string());
    }
    if !t.trim_end_matches('/').contains('/') && !t.ends_with('/') {
        return Some("start with the mount, e.g. secret/…".to_string());
    }
    if let Some(e) = rules::path_error(t) {
        return Some(e);
    }
    let here = format!("{}/{}", source.mount.path, source.path);
    if t.trim_end_matches('/') == here {
        return Some("that is where it is already".to_string());
    }
    if source.is_folder && t.starts_with(&format!("{here}/")) {
        return Some(format!("cannot {} a folder into itself", kind.verb()));
    }
    None
}

impl App {
    /// The secret or folder an operation applies to: the open secret, or the selected row.
    fn op_target(&self) -> Option<Target> {
        if let Some(s) = &self.secret {
            return Some(Target { mount: s.mount.clone(), path: s.path.clone(), is_folder: false });
        }
        let (m, e) = (self.mount.as_ref()?, self.list.selected_entry()?);
        Some(Target { mount: m.clone(), path: join(&self.folder, &e.name), is_folder: e.is_folder })
    }

    /// Why the token may not run `action` on what it applies to now, when the server said so. Actions that
    /// need no capability, or whose answer is unknown, are not refused.
    pub fn action_denied(&self, action: Action) -> Option<String> {
        let mount = self.mount.as_ref()?;
        let (path, is_folder) = match self.screen_context() {
            Context::Explorer => match self.list.selected_entry() {
                Some(e) => (join(&self.folder, &e.name), e.is_folder),
                None if matches!(action, Action::NewSecret | Action::NewFolder) => (String::new(), true),
                None => return None,
            },
            Context::Secret => {
                let s = self.secret.as_ref()?;
                if &s.mount != mount {
                    return None;
                }
                (s.path.clone(), false)
            }
            Context::History => {
                let h = self.history.as_ref()?;
                if &h.mount != mount {
                    return None;
                }
                (h.path.clone(), false)
            }
            _ => return None,
        };
        if action == Action::Delete && !is_folder {
            return perms::delete_denied(&self.ops.perms, mount, &path);
        }
        // New things go in the current folder; a rename stays in the folder holding what is renamed.
        let folder = if matches!(action, Action::NewSecret | Action::NewFolder) {
            &self.folder
        } else {
            parent(&path).0
        };
        self.ops.perms.first_denied(&perms::needs(mount, action, &path, is_folder, folder))
    }

    /// Keys for the operations: the open popup takes every key; otherwise the operations' own actions start
    /// their flow, and actions the token may not perform are refused with the reason. True when the key
    /// was used.
    pub(super) fn ops_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) -> bool {
        if self.ops.stage.is_some() {
            self.ops_stage_key(key, out);
            return true;
        }
        if self.editor.is_some() || self.filter_editing {
            return false;
        }
        let ctx = self.screen_context();
        if ctx == Context::History && self.history.as_ref().is_some_and(|h| h.confirming()) {
            return false;
        }
        if !matches!(ctx, Context::Explorer | Context::Secret | Context::History) {
            return false;
        }
        let Some(action) = self.keymap.lookup(ctx, Key::from_event(&key)) else { return false };
        if action == Action::Refresh {
            // Policies may have changed: ask again (the refresh itself runs as usual).
            self.ops.perms.enter("");
            return false;
        }
        // A new secret outside the scopes may still go to the user's own folder or a project: asked next.
        let elsewhere = action == Action::NewSecret
            && self.mount.clone().is_some_and(|m| !self.scope_choices(&m, &self.folder.clone()).is_empty());
        if let Some(reason) = self.action_denied(action)
            && !elsewhere
        {
            self.error(format!("not allowed: {reason}"));
            return true;
        }
        match action {
            Action::Delete | Action::Move | Action::Rename | Action::Duplicate if ctx != Context::History => {
                self.start_op(action, out);
                true
            }
            _ => false,
        }
    }

    fn start_op(&mut self, action: Action, out: &mut Vec<Effect>) {
        let Some(target) = self.op_target() else {
            if self.mount.is_none() {
                self.error("open a mount first: whole mounts are not deleted, moved or copied here");
            }
            return;
        };
        match action {
            Action::Delete if target.is_folder => {
                let req = self.req();
                out.push(Effect::Ops(OpsEffect::Count { req, target: target.clone() }));
                self.ops.stage = Some(Stage::DeleteFolder {
                    target,
                    req,
                    count: Count::Counting,
                    all_versions: false,
                    typed: String::new(),
                    error: None,
                });
            }
            Action::Delete => {
                let denied = |cap| self.ops.perms.denied(&target.path, cap);
                let choices = match target.mount.version {
                    KvVersion::V2 => vec![
                        DeleteChoice {
                            mode: DeleteMode::Latest,
                            label: "the latest version: it stays in the history and can be undeleted"
                                .to_string(),
                            denied: denied(crate::vault::capabilities::Action::Delete),
                        },
                        DeleteChoice {
                            mode: DeleteMode::AllVersions,
                            label: "every version and the metadata: this cannot be undone".to_string(),
                            denied: denied(crate::vault::capabilities::Action::DeleteAll),
                        },
                    ],
                    KvVersion::V1 => vec![DeleteChoice {
                        mode: DeleteMode::Latest,
                        label: "the secret: KV v1 keeps no versions, this cannot be undone".to_string(),
                        denied: denied(crate::vault::capabilities::Action::Delete),
                    }],
                };
                let selected = choices.iter().position(|c| c.denied.is_none()).unwrap_or(0);
                self.ops.stage = Some(Stage::DeleteSecret { target, choices, selected });
            }
            Action::Move | Action::Duplicate | Action::Rename => {
                let kind = match action {
                    Action::Move => OpKind::Move,
                    Action::Duplicate => OpKind::Copy,
                    _ => OpKind::Rename,
                };
                let text = if kind == OpKind::Rename {
                    target.name().to_string()
                } else {
                    format!("{}/{}", target.mount.path, target.path)
                };
                let error = destination_error(&target, kind, &text);
                self.ops.stage = Some(Stage::Destination { target, kind, text, error, checking: None });
            }
            _ => {}
        }
    }

    fn ops_stage_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        let action = self.keymap.lookup_in(self.ops.context(), Key::from_event(&key));
        let Some(stage) = self.ops.stage.take() else { return };
        self.ops.stage = match stage {
            Stage::DeleteSecret { target, choices, selected } => {
                self.delete_secret_key(key, action, target, choices, selected, out)
            }
            Stage::DeleteFolder { target, req, count, all_versions, typed, error } => {
                self.delete_folder_key(key, action, target, req, count, all_versions, typed, error, out)
            }
            Stage::Destination { target, kind, text, error, checking } => {
                self.destination_key(key, action, target, kind, text, error, checking, out)
            }
            Stage::Overwrite { target, kind, text, dst, existing } => match action {
                _ if key.code == KeyCode::Enter => Some(self.start_transfer(target, kind, dst, true, out)),
                Some(Action::Yes) => Some(self.start_transfer(target, kind, dst, true, out)),
                Some(Action::No) => {
                    let error = Some("choose another destination, or Esc".to_string());
                    Some(Stage::Destination { target, kind, text, error, checking: None })
                }
                Some(Action::Back) => None,
                _ if key.code == KeyCode::Esc => None,
                _ => Some(Stage::Overwrite { target, kind, text, dst, existing }),
            },
            Stage::Running { .. } => {
                let mut stage = stage;
                if let Stage::Running { progress, stopping, .. } = &mut stage
                    && key.code == KeyCode::Esc
                    && !*stopping
                {
                    progress.0.cancel();
                    *stopping = true;
                }
                Some(stage)
            }
            Stage::Report { title, summary, report, verb, scroll, lines } => {
                let page = self.page();
                let max = lines.saturating_sub(page / 2);
                let scroll = match action {
                    Some(Action::Down) => (scroll + 1).min(max),
                    Some(Action::Up) => scroll.saturating_sub(1),
                    Some(Action::PageDown) => (scroll + page).min(max),
                    Some(Action::PageUp) => scroll.saturating_sub(page),
                    Some(Action::Top) => 0,
                    Some(Action::Bottom) => max,
                    _ => return,
                };
                Some(Stage::Report { title, summary, report, verb, scroll, lines })
            }
        };
    }

    fn delete_secret_key(
        &mut self,
        key: KeyEvent,
        action: Option<Action>,
        target: Target,
        choices: Vec<DeleteChoice>,
        mut selected: usize,
        out: &mut Vec<Effect>,
    ) -> Option<Stage> {
        let n = choices.len();
        let digit = match key.code {
            KeyCode::Char(c @ '1'..='9') if action.is_none() => Some(c as usize - '1' as usize),
            _ => None,
        };
        match action {
            _ if key.code == KeyCode::Esc => return None,
            Some(Action::Back) => return None,
            Some(Action::Down) => selected = (selected + 1) % n.max(1),
            Some(Action::Up) => selected = (selected + n - 1) % n.max(1),
            Some(Action::Top) => selected = 0,
            Some(Action::Bottom) => selected = n.saturating_sub(1),
            _ if digit.is_some() => {
                if let Some(i) = digit.filter(|&i| i < n) {
                    selected = i;
                }
            }
            Some(Action::Choose) => match choices.get(selected) {
                Some(c) if c.denied.is_none() => {
                    let req = self.req();
                    let mode = c.mode.clone();
                    out.push(Effect::Ops(OpsEffect::DeleteSecret { req, target: target.clone(), mode }));
                    return Some(Stage::Running {
                        target,
                        kind: OpKind::Delete,
                        dst: None,
                        delete_mode: Some(c.mode.clone()),
                        req,
                        progress: ProgressHandle::default(),
                        total: 1,
                        finished: 0,
                        failed: 0,
                        stopping: false,
                    });
                }
                Some(c) => {
                    let reason = c.denied.clone().unwrap_or_default();
                    self.error(format!("not allowed: {reason}"));
                }
                None => return None,
            },
            _ => {}
        }
        Some(Stage::DeleteSecret { target, choices, selected })
    }

    #[allow(clippy::too_many_arguments)]
    fn delete_folder_key(
        &mut self,
        key: KeyEvent,
        action: Option<Action>,
        target: Target,
        req: u64,
        count: Count,
        mut all_versions: bool,
        mut typed: String,
        mut error: Option<String>,
        out: &mut Vec<Effect>,
    ) -> Option<Stage> {
        if key.code == KeyCode::Esc {
            return None;
        }
        let nothing = match &count {
            Count::Counting => {
                return Some(Stage::DeleteFolder { target, req, count, all_versions, typed, error });
            }
            Count::Failed(_) => true,
            Count::Counted(w) => w.secrets.is_empty(),
        };
        if nothing {
            // Nothing to confirm: any key closes.
            return None;
        }
        error = None;
        match key.code {
            KeyCode::Tab | KeyCode::BackTab if target.mount.version == KvVersion::V2 => {
                all_versions = !all_versions;
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            _ if action == Some(Action::ClearLine) => typed.clear(),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => typed.push(c),
            KeyCode::Enter => {
                if typed == target.name() {
                    let run = self.req();
                    let progress = ProgressHandle::default();
                    let mode = if all_versions { DeleteMode::AllVersions } else { DeleteMode::Latest };
                    out.push(Effect::Ops(OpsEffect::DeleteFolder {
                        req: run,
                        target: target.clone(),
                        mode,
                        progress: progress.clone(),
                    }));
                    let total = match &count {
                        Count::Counted(w) => w.secrets.len(),
                        _ => 0,
                    };
                    return Some(Stage::Running {
                        target,
                        kind: OpKind::Delete,
                        dst: None,
                        delete_mode: None,
                        req: run,
                        progress,
                        total,
                        finished: 0,
                        failed: 0,
                        stopping: false,
                    });
                }
                error = Some(format!("type {} to confirm, or Esc", target.name()));
            }
            _ => {}
        }
        Some(Stage::DeleteFolder { target, req, count, all_versions, typed, error })
    }

    #[allow(clippy::too_many_arguments)]
    fn destination_key(
        &mut self,
        key: KeyEvent,
        action: Option<Action>,
        target: Target,
        kind: OpKind,
        mut text: String,
        mut error: Option<String>,
        mut checking: Option<u64>,
        out: &mut Vec<Effect>,
    ) -> Option<Stage> {
        match key.code {
            KeyCode::Esc => return None,
            KeyCode::Enter => {
                error = destination_error(&target, kind, &text);
                if error.is_none() {
                    let full = if kind == OpKind::Rename {
                        format!("{}/{}", target.mount.path, join(target.folder(), &text))
                    } else {
                        text.trim_start_matches('/').to_string()
                    };
                    let req = self.req();
                    checking = Some(req);
                    out.push(Effect::Ops(OpsEffect::CheckDestination {
                        req,
                        source: target.clone(),
                        text: full,
                        rename: kind == OpKind::Rename,
                    }));
                }
                return Some(Stage::Destination { target, kind, text, error, checking });
            }
            KeyCode::Backspace => {
                text.pop();
            }
            _ if action == Some(Action::ClearLine) => text.clear(),
            _ if action == Some(Action::DeleteSegment) => {
                // Drop the last path segment (and its slash).
                let t = text.trim_end_matches('/');
                let keep = t.rfind('/').map_or(0, |i| i + 1);
                text.truncate(keep);
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => return Some(Stage::Destination { target, kind, text, error, checking }),
        }
        // The text changed: a check in flight is for the old text.
        checking = None;
        error = destination_error(&target, kind, &text);
        Some(Stage::Destination { target, kind, text, error, checking })
    }

    fn start_transfer(
        &mut self,
        target: Target,
        kind: OpKind,
        dst: Location,
        overwrite: bool,
        out: &mut Vec<Effect>,
    ) -> Stage {
        let req = self.req();
        let progress = ProgressHandle::default();
        out.push(Effect::Ops(OpsEffect::Transfer {
            req,
            source: target.clone(),
            dst: dst.clone(),
            mode: kind.mode(),
            overwrite,
            progress: progress.clone(),
        }));
        Stage::Running {
            target,
            kind,
            dst: Some(dst),
            delete_mode: None,
            req,
            progress,
            total: 0,
            finished: 0,
            failed: 0,
            stopping: false,
        }
    }

    /// Polls the progress of a running batch (on each tick).
    pub(super) fn ops_tick(&mut self) {
        if let Some(Stage::Running { progress, total, finished, failed, .. }) = self.ops.stage.as_mut() {
            let p = &progress.0;
            let t = p.total.load(Ordering::SeqCst);
            if t > 0 {
                *total = t;
            }
            *finished = p.finished.load(Ordering::SeqCst);
            *failed = p.failed.load(Ordering::SeqCst);
        }
    }

    /// Handles an answer of the operations' network work.
    pub(super) fn on_ops_msg(&mut self, msg: OpsMsg, out: &mut Vec<Effect>) {
        match msg {
            OpsMsg::Permissions { scope, answers } => self.ops.perms.store(&scope, answers),
            OpsMsg::Counted { req, result } => {
                if let Some(Stage::DeleteFolder { req: r, count, .. }) = self.ops.stage.as_mut()
                    && *r == req
                {
                    *count = match result {
                        Ok(w) => Count::Counted(w),
                        Err(e) => Count::Failed(e.to_string()),
                    };
                }
            }
            OpsMsg::Checked { req, result } => {
                let Some(Stage::Destination { checking, .. }) = &self.ops.stage else { return };
                if *checking != Some(req) {
                    return;
                }
                let Some(Stage::Destination { target, kind, text, .. }) = self.ops.stage.take() else {
                    return;
                };
                let back = |error: String| Stage::Destination {
                    target: target.clone(),
                    kind,
                    text: text.clone(),
                    error: Some(error),
                    checking: None,
                };
                self.ops.stage = Some(match result {
                    Err(e) => back(e.to_string()),
                    Ok(DestCheck { denied: Some(reason), .. }) => back(format!("not allowed: {reason}")),
                    Ok(DestCheck { dst, existing: Some(existing), .. }) => {
                        Stage::Overwrite { target, kind, text, dst, existing }
                    }
                    Ok(DestCheck { dst, existing: None, .. }) => {
                        self.start_transfer(target, kind, dst, false, out)
                    }
                });
            }
            OpsMsg::Deleted { req, result } => {
                let Some(Stage::Running { req: r, .. }) = &self.ops.stage else { return };
                if *r != req {
                    return;
                }
                let Some(Stage::Running { target, delete_mode, .. }) = self.ops.stage.take() else { return };
                match result {
                    Ok(note) => {
                        let how = match (target.mount.version, delete_mode) {
                            (KvVersion::V1, _) => "",
                            (KvVersion::V2, Some(DeleteMode::AllVersions)) => " with every version",
                            (KvVersion::V2, _) => {
                                " (its latest version: H shows the history, to undelete it)"
                            }
                        };
                        let mut text = format!("deleted {}{how}", target.display());
                        if let Some(n) = note {
                            text.push_str(&format!("; {n}"));
                        }
                        self.info(text);
                        self.index_removed(&target.mount, &target.path);
                        self.after_ops_change(&target, None, OpKind::Delete, out);
                    }
                    Err(e) => self.error(format!("cannot delete {}: {e}", target.display())),
                }
            }
            OpsMsg::Done { req, result } => {
                let Some(Stage::Running { req: r, .. }) = &self.ops.stage else { return };
                if *r != req {
                    return;
                }
                let Some(Stage::Running { target, kind, dst, .. }) = self.ops.stage.take() else { return };
                let what = match &dst {
                    Some(d) => format!("{} → {}{}", target.display(), d.display(), slash(&target)),
                    None => target.display(),
                };
                match result {
                    Ok(report) => {
                        self.index_batch(&report, matches!(kind, OpKind::Move | OpKind::Rename));
                        let summary = report.summary(kind.done());
                        let single_ok = !target.is_folder
                            && report.is_complete()
                            && report.notes.is_empty()
                            && report.halted.is_none();
                        if single_ok {
                            self.info(format!("{} {what}", capitalise(kind.done())));
                        } else {
                            let title = format!(" {} {what} ", capitalise(kind.verb()));
                            if report.is_complete() {
                                self.info(format!("{} {what}: {summary}", kind.done()));
                            } else {
                                self.error(format!("{} {what}: {summary}", kind.verb()));
                            }
                            let verb = kind.done();
                            // Counted once here: scrolling needs the number of lines, not the lines.
                            let lines = report_lines(&report, verb).len() + 2;
                            self.ops.stage =
                                Some(Stage::Report { title, summary, report, verb, scroll: 0, lines });
                        }
                        self.after_ops_change(&target, dst.as_ref(), kind, out);
                    }
                    Err(e) => self.error(format!("cannot {} {what}: {e}", kind.verb())),
                }
            }
        }
    }

    /// After a change: the secret view of something that is gone closes, and the listing reloads.
    fn after_ops_change(
        &mut self,
        target: &Target,
        dst: Option<&Location>,
        kind: OpKind,
        out: &mut Vec<Effect>,
    ) {
        if kind != OpKind::Copy
            && let Some(s) = &self.secret
            && s.mount == target.mount
            && (s.path == target.path
                || (target.is_folder && s.path.starts_with(&format!("{}/", target.path))))
        {
            self.secret = None;
        }
        if self.mount.is_none() {
            return;
        }
        // Select what was renamed under its new name; otherwise keep the selection.
        let select = match (kind, dst) {
            (OpKind::Rename, Some(d)) => parent(&d.path).1.to_string(),
            _ => self.list.selected_entry().map(|e| e.name.clone()).unwrap_or_default(),
        };
        self.reload_selecting(select, out);
    }

    /// After each update: a batch still running when the user quits is asked to stop (nothing new starts),
    /// and what the token may do is asked for whatever is on screen and was not asked yet.
    pub(super) fn ops_after_update(&mut self, out: &mut Vec<Effect>) {
        if self.should_quit
            && let Some(Stage::Running { progress, .. }) = &self.ops.stage
        {
            progress.0.cancel();
        }
        self.ask_permissions(out);
    }

    /// Asks what the token may do with the rows on screen, the current folder and the open secret, for
    /// whatever was not asked yet in this folder.
    fn ask_permissions(&mut self, out: &mut Vec<Effect>) {
        let Some(mount) = self.mount.clone() else {
            self.ops.perms.enter("");
            return;
        };
        let scope = Self::cache_key(Some(&mount), &self.folder);
        self.ops.perms.enter(&scope);
        let mut wanted: Vec<Query> = Vec::new();
        if !self.list_loading {
            wanted.push(perms::create_query(&self.folder));
            for (_, e) in self.list.visible(self.page()) {
                let path = join(&self.folder, &e.name);
                if e.is_folder {
                    wanted.extend(perms::folder_queries(&path));
                } else {
                    wanted.extend(perms::secret_queries(&mount, &path));
                }
            }
        }
        if let Some(s) = &self.secret
            && s.mount == mount
            && !s.loading
        {
            wanted.extend(perms::secret_queries(&mount, &s.path));
        }
        if let Some(h) = &self.history
            && h.mount == mount
            && h.versions.is_some()
        {
            wanted.extend(perms::secret_queries(&mount, &h.path));
        }
        let queries = self.ops.perms.missing(wanted);
        if !queries.is_empty() {
            out.push(Effect::Ops(OpsEffect::Permissions { scope, mount, queries }));
        }
    }
}

/// The trailing `/` of a folder's destination.
fn slash(target: &Target) -> &'static str {
    if target.is_folder { "/" } else { "" }
}

/// `moved` → `Moved`.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str, is_folder: bool) -> Target {
        Target {
            mount: Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() },
            path: path.into(),
            is_folder,
        }
    }

    #[test]
    fn destinations_are_checked_as_typed() {
        let s = target("apps/web", false);
        assert!(destination_error(&s, OpKind::Move, "secret/apps/web").unwrap().contains("already"));
        assert!(destination_error(&s, OpKind::Move, "secret/apps/web2").is_none());
        assert!(destination_error(&s, OpKind::Move, "legacy/").is_none());
        assert!(destination_error(&s, OpKind::Move, "secret").unwrap().contains("mount"));
        assert!(destination_error(&s, OpKind::Move, "secret//x").is_some());
        assert!(destination_error(&s, OpKind::Move, "secret/a /x").is_some());
        assert!(destination_error(&s, OpKind::Rename, "a/b").is_some());
        assert!(destination_error(&s, OpKind::Rename, "web").is_some());
        assert!(destination_error(&s, OpKind::Rename, "web 2").is_none());
        let f = target("apps", true);
        assert!(destination_error(&f, OpKind::Copy, "secret/apps/inner").unwrap().contains("into itself"));
        assert!(destination_error(&f, OpKind::Copy, "secret/apps2").is_none());
    }

    #[test]
    fn progress_handles_compare_by_identity() {
        let a = ProgressHandle::default();
        assert_eq!(a, a.clone());
        assert_ne!(a, ProgressHandle::default());
    }
}

/// How a report line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// A section's title.
    Heading,
    /// Something that did not go as asked.
    Bad,
    /// An ordinary line.
    Plain,
    /// A side note.
    Dim,
}

/// The lines of a report (without the closing hint): problems first, then what was done.
pub fn report_lines(report: &BatchReport, verb: &str) -> Vec<(Tone, String)> {
    let mut out = Vec::new();
    let section = |out: &mut Vec<(Tone, String)>, title: String, items: Vec<String>, tone: Tone| {
        if items.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push((Tone::Plain, String::new()));
        }
        out.push((Tone::Heading, title));
        out.extend(items.into_iter().map(|i| (tone, format!("  {i}"))));
    };
    let path = |i: &ItemReport| match &i.destination {
        Some(d) => format!("{} → {d}", i.source),
        None => i.source.clone(),
    };
    let failed: Vec<String> = report
        .failed()
        .into_iter()
        .map(|i| match &i.status {
            ItemStatus::Failed { reason, partial_destination } => format!(
                "{}: {reason}{}",
                path(i),
                if *partial_destination { " (something may be left at the destination)" } else { "" }
            ),
            _ => path(i),
        })
        .collect();
    let n = failed.len();
    section(&mut out, format!("Failed, nothing changed at the source ({n})"), failed, Tone::Bad);
    let kept: Vec<String> = report
        .source_kept()
        .into_iter()
        .map(|i| match &i.status {
            ItemStatus::SourceKept { reason } => format!("{}: {reason}", path(i)),
            _ => path(i),
        })
        .collect();
    let n = kept.len();
    section(&mut out, format!("Copied but kept at the source ({n})"), kept, Tone::Bad);
    let skipped: Vec<String> = report.not_attempted().into_iter().map(path).collect();
    let n = skipped.len();
    section(&mut out, format!("Not attempted ({n})"), skipped, Tone::Bad);
    let denied: Vec<String> = report.denied_folders.iter().map(|d| format!("{d}/")).collect();
    let n = denied.len();
    section(&mut out, format!("Folders this token may not list, not handled ({n})"), denied, Tone::Bad);
    if let Some(h) = &report.halted {
        section(&mut out, "Stopped".to_string(), vec![h.clone()], Tone::Bad);
    }
    let done: Vec<String> = report.done().into_iter().map(path).collect();
    let n = done.len();
    section(&mut out, format!("{} ({n})", capitalise(verb)), done, Tone::Plain);
    section(&mut out, "Notes".to_string(), report.notes.clone(), Tone::Dim);
    let removed = report.placeholders_removed.clone();
    section(&mut out, "Placeholders removed".to_string(), removed, Tone::Dim);
    if out.is_empty() {
        out.push((Tone::Plain, "nothing was found to handle".to_string()));
    }
    out
}
