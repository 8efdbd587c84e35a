//! The history view of a KV v2 secret: every version with its time and state; open an older version,
//! diff two versions (keys only), roll back, undelete, soft-delete, and destroy after a typed confirmation.

use crossterm::event::{KeyCode, KeyEvent};

use super::Action;
use crate::secret::diff::MaskedDiff;
use crate::vault::kv::{Mount, VersionState};
use crate::vault::write::VersionMeta;

/// The old and new values of keys that differ between two versions (`None`: absent on that side).
pub type DiffValues = Vec<(String, Option<crate::secret::SecretValue>, Option<crate::secret::SecretValue>)>;

/// An operation on one version that changes the server, asked for confirmation first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionOp {
    /// Write version N's data as a new version.
    Rollback(u64),
    /// Bring a soft-deleted version back.
    Undelete(u64),
    /// Soft-delete a version (undeletable).
    Delete(u64),
    /// Destroy a version for good: the user types the version number to confirm.
    Destroy(u64),
}

impl VersionOp {
    /// The version concerned.
    pub fn version(&self) -> u64 {
        match self {
            Self::Rollback(v) | Self::Undelete(v) | Self::Delete(v) | Self::Destroy(v) => *v,
        }
    }
}

/// What the app should do after a key.
#[derive(Debug, PartialEq, Eq)]
pub enum HistoryOutcome {
    /// Nothing outside the view.
    None,
    /// Open this version in the secret view.
    Open(u64),
    /// Compare two versions (older, newer).
    Diff(u64, u64),
    /// Run a confirmed operation.
    Run(VersionOp),
    /// Close the view.
    Close,
}

/// The history view's state.
#[derive(Debug, Clone)]
pub struct HistoryView {
    /// The mount.
    pub mount: Mount,
    /// The secret.
    pub path: String,
    /// Versions, newest first (`None` while loading).
    pub versions: Option<Vec<VersionMeta>>,
    /// The current version.
    pub current: u64,
    /// Selected row.
    pub selected: usize,
    /// Version marked as the other side of a diff.
    pub marked: Option<u64>,
    /// The last diff: (older, newer, keys).
    pub diff: Option<(u64, u64, MaskedDiff)>,
    /// The old and new values of the keys that differ in the last diff.
    pub diff_values: DiffValues,
    /// Show those values instead of masks.
    pub diff_revealed: bool,
    /// An operation waiting for confirmation, with the text typed so far (destroy).
    pub confirm: Option<(VersionOp, String)>,
    /// Pending request.
    pub req: u64,
    /// True while loading or running an operation.
    pub busy: bool,
    /// Last error.
    pub error: Option<String>,
}

impl HistoryView {
    /// A view waiting for its versions.
    pub fn new(mount: Mount, path: String, req: u64) -> Self {
        Self {
            mount,
            path,
            versions: None,
            current: 0,
            selected: 0,
            marked: None,
            diff: None,
            diff_values: Vec::new(),
            diff_revealed: false,
            confirm: None,
            req,
            busy: true,
            error: None,
        }
    }

    /// The selected version.
    pub fn selected_version(&self) -> Option<&VersionMeta> {
        self.versions.as_ref().and_then(|v| v.get(self.selected))
    }

    /// True while a confirmation prompt takes the keys.
    pub fn confirming(&self) -> bool {
        self.confirm.is_some()
    }

    /// The keymap context of the open confirmation: a typed one for destroying, a question otherwise.
    pub fn confirm_context(&self) -> crate::keymap::Context {
        match self.confirm {
            Some((VersionOp::Destroy(_), _)) => crate::keymap::Context::Line,
            _ => crate::keymap::Context::Confirm,
        }
    }

    /// Keys typed into a confirmation; `action` is what the keymap binds the key to in
    /// [`HistoryView::confirm_context`].
    pub fn on_confirm_key(&mut self, key: KeyEvent, action: Option<Action>) -> HistoryOutcome {
        let Some((op, typed)) = self.confirm.as_mut() else { return HistoryOutcome::None };
        match (op.clone(), key.code) {
            (_, KeyCode::Esc) => self.confirm = None,
            (VersionOp::Destroy(_), _) if action == Some(Action::ClearLine) => typed.clear(),
            (VersionOp::Destroy(v), KeyCode::Enter) => {
                if typed.trim() == v.to_string() {
                    self.confirm = None;
                    return HistoryOutcome::Run(VersionOp::Destroy(v));
                }
                self.error = Some(format!("type {v} to destroy version {v}, or Esc"));
            }
            (VersionOp::Destroy(_), KeyCode::Backspace) => {
                typed.pop();
            }
            (VersionOp::Destroy(_), KeyCode::Char(c)) => typed.push(c),
            (op, KeyCode::Enter) => {
                self.confirm = None;
                return HistoryOutcome::Run(op);
            }
            (op, _) if action == Some(Action::Yes) => {
                self.confirm = None;
                return HistoryOutcome::Run(op);
            }
            _ => self.confirm = None,
        }
        HistoryOutcome::None
    }

    /// Runs a keymap action.
    pub fn on_action(&mut self, action: Action) -> HistoryOutcome {
        let n = self.versions.as_ref().map_or(0, Vec::len);
        self.error = None;
        match action {
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            Action::Back | Action::Quit => return HistoryOutcome::Close,
            Action::Reveal | Action::RevealAll if self.diff.is_some() => {
                self.diff_revealed = !self.diff_revealed;
                return HistoryOutcome::None;
            }
            _ => {}
        }
        let Some(v) = self.selected_version().cloned() else { return HistoryOutcome::None };
        let live = v.state() == VersionState::Live;
        match action {
            Action::Open => {
                if live {
                    return HistoryOutcome::Open(v.version);
                }
                self.error = Some(format!("version {} is {}: nothing to open", v.version, v.state().word()));
            }
            Action::MarkVersion => {
                self.marked = if self.marked == Some(v.version) { None } else { Some(v.version) };
            }
            Action::DiffVersions => {
                let other = self.marked.unwrap_or(self.current);
                if other == v.version {
                    self.error = Some(
                        "mark another version with m first (or select one that is not the current)".into(),
                    );
                } else {
                    return HistoryOutcome::Diff(other.min(v.version), other.max(v.version));
                }
            }
            Action::Rollback => {
                if v.version == self.current {
                    self.error = Some("this is already the current version".into());
                } else if live {
                    self.confirm = Some((VersionOp::Rollback(v.version), String::new()));
                } else {
                    self.error =
                        Some(format!("version {} is {}: undelete it first", v.version, v.state().word()));
                }
            }
            Action::Undelete => {
                if v.state() == VersionState::Deleted {
                    self.confirm = Some((VersionOp::Undelete(v.version), String::new()));
                } else {
                    self.error = Some(format!("version {} is {}, not deleted", v.version, v.state().word()));
                }
            }
            Action::DeleteVersion => {
                if live {
                    self.confirm = Some((VersionOp::Delete(v.version), String::new()));
                } else {
                    self.error = Some(format!("version {} is already {}", v.version, v.state().word()));
                }
            }
            Action::DestroyVersion => {
                if v.state() == VersionState::Destroyed {
                    self.error = Some(format!("version {} is already destroyed", v.version));
                } else {
                    self.confirm = Some((VersionOp::Destroy(v.version), String::new()));
                }
            }
            _ => {}
        }
        HistoryOutcome::None
    }
}
