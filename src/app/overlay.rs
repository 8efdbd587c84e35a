//! What is open, as one stack. Popups (help, prompts, the use-in-service chooser, questions) live on a stack
//! of their own; below them lie the screens and dialogs that have their own state on [`App`] (the audit, a
//! delete/move/copy dialog, a typed form, the editor, the secret view, the history, the policy view, the
//! explorer). [`App::layers`] lists them all from the top down, once: the top layer takes keys and the
//! mouse, everything is drawn from the bottom up, and [`App::busy`] and [`App::context`] come from it.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

use super::{App, Effect, chooser, next_id, prompt};
use crate::action::Action;
use crate::keymap::{Context, Key};
use crate::vault::modes::Mode;

/// The modes offered by the mode menu, in order.
pub const MODES: [Mode; 3] = [Mode::ReadOnly, Mode::KeyOnly, Mode::None];

/// A popup on the stack.
#[derive(Debug, Clone)]
pub enum Popup {
    /// The help overlay, with its scroll offset.
    Help { scroll: usize },
    /// A one-line prompt (names of new secrets and folders).
    Prompt(prompt::Prompt),
    /// "Use in service": what to copy.
    Chooser(chooser::Chooser),
    /// A value copy waiting for the user's yes.
    ConfirmCopy(chooser::CopyRequest),
    /// Text to select by hand (nothing could copy it), with a title.
    ManualCopy { title: String, text: chooser::CopyText },
    /// The admin mode of the secret in the secret view (the selected choice).
    ModeMenu { selected: usize },
    /// The finder: every secret path, ranked as the query is typed.
    Finder(super::finder::FinderView),
    /// The login form.
    Login(super::login_form::LoginForm),
    /// Where a new secret goes (outside the scopes): labels, mounts and folders, the selected one.
    ScopeChoice { name: String, choices: Vec<(String, crate::vault::kv::Mount, String)>, selected: usize },
    /// Share a secret (`full`) with one of these projects, or (no projects) make it private: a yes/no.
    Share { full: String, projects: Vec<String>, selected: usize },
    /// Places to jump to: labels and `mount/path/`, the selected one.
    Places { choices: Vec<(String, String)>, selected: usize },
    /// Namespaces to switch to: full paths (`None`: the root), the selected one.
    Namespaces { choices: Vec<Option<String>>, profiles: Vec<String>, selected: usize },
}

impl Popup {
    /// The keymap context of the popup.
    pub fn context(&self) -> Context {
        match self {
            Self::Help { .. } | Self::ManualCopy { .. } => Context::Report,
            Self::Prompt(_) => Context::Line,
            Self::Chooser(c) if c.confirm => Context::Confirm,
            Self::Chooser(_) | Self::ModeMenu { .. } => Context::Menu,
            Self::ConfirmCopy(_) => Context::Confirm,
            Self::Finder(_) => Context::Finder,
            Self::Namespaces { .. } | Self::Places { .. } | Self::ScopeChoice { .. } | Self::Share { .. } => {
                Context::Menu
            }
            Self::Login(_) => Context::Line,
        }
    }
}

/// One layer of what is open, from the top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The popup at this index of the stack.
    Popup(usize),
    /// The audit of the modes.
    Audit,
    /// A delete, move, copy or rename dialog, its progress or its report.
    Ops,
    /// The type picker or a typed-secret form.
    Form,
    /// The key/value editor.
    Editor,
    /// The comparison of two secrets or folders.
    Compare,
    /// The secret view (or its JSON view).
    Secret,
    /// The generated policy.
    Policy,
    /// The version history.
    History,
    /// The folder list (with its filter line).
    Explorer,
}

impl App {
    /// Everything open, from the top down. The explorer is always the last.
    pub fn layers(&self) -> Vec<Layer> {
        let mut v: Vec<Layer> = (0..self.popups.len()).rev().map(Layer::Popup).collect();
        if self.audit.is_some() {
            v.push(Layer::Audit);
        }
        if self.ops.stage.is_some() {
            v.push(Layer::Ops);
        }
        if self.form.is_some() {
            v.push(Layer::Form);
        }
        if self.editor.is_some() {
            v.push(Layer::Editor);
        }
        if self.compare.is_some() {
            v.push(Layer::Compare);
        }
        if self.secret.is_some() {
            v.push(Layer::Secret);
        }
        if self.policy.is_some() {
            v.push(Layer::Policy);
        }
        if self.history.is_some() {
            v.push(Layer::History);
        }
        v.push(Layer::Explorer);
        v
    }

    /// The layer that takes keys and the mouse.
    pub fn top_layer(&self) -> Layer {
        self.layers().first().copied().unwrap_or(Layer::Explorer)
    }

    /// The screen under the popups and dialogs: the editor, the secret view, the policy view, the history or
    /// the explorer (whichever is highest).
    pub fn screen(&self) -> Layer {
        self.layers()
            .into_iter()
            .find(|l| {
                matches!(
                    l,
                    Layer::Editor
                        | Layer::Compare
                        | Layer::Secret
                        | Layer::Policy
                        | Layer::History
                        | Layer::Explorer
                )
            })
            .unwrap_or(Layer::Explorer)
    }

    /// Opens a popup on top of everything.
    pub fn push_popup(&mut self, p: Popup) {
        self.popups.push(p);
    }

    /// The popups, bottom first (for drawing).
    pub fn popups(&self) -> &[Popup] {
        &self.popups
    }

    /// Closes the popups of one kind.
    fn close_popups(&mut self, which: impl Fn(&Popup) -> bool) {
        self.popups.retain(|p| !which(p));
    }

    /// Opens the help overlay.
    pub(crate) fn open_help(&mut self) {
        self.push_popup(Popup::Help { scroll: 0 });
    }

    /// The use-in-service chooser, when open.
    pub fn chooser(&self) -> Option<&chooser::Chooser> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::Chooser(c) => Some(c),
            _ => None,
        })
    }

    fn chooser_mut(&mut self) -> Option<&mut chooser::Chooser> {
        self.popups.iter_mut().rev().find_map(|p| match p {
            Popup::Chooser(c) => Some(c),
            _ => None,
        })
    }

    /// Opens the chooser (replacing one already open).
    pub(crate) fn open_chooser(&mut self, c: chooser::Chooser) {
        self.close_popups(|p| matches!(p, Popup::Chooser(_)));
        self.push_popup(Popup::Chooser(c));
    }

    /// The target of an open chooser takes the secret's annotations once they arrive (its type decides the
    /// snippets offered).
    pub(crate) fn chooser_annotations(&mut self, path: &str, a: &std::collections::BTreeMap<String, String>) {
        if let Some(c) = self.chooser_mut()
            && c.target.path == path
        {
            c.target = c.target.clone().with_annotations(a);
        }
    }

    /// The one-line prompt, when open.
    pub fn prompt(&self) -> Option<&prompt::Prompt> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::Prompt(x) => Some(x),
            _ => None,
        })
    }

    /// The value copy waiting for a yes, when asked.
    pub fn pending_copy(&self) -> Option<&chooser::CopyRequest> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::ConfirmCopy(r) => Some(r),
            _ => None,
        })
    }

    /// Text shown to be selected by hand, when shown.
    pub fn manual_copy(&self) -> Option<(&str, &chooser::CopyText)> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::ManualCopy { title, text } => Some((title.as_str(), text)),
            _ => None,
        })
    }

    /// Shows text to select by hand (replacing any shown), or closes it with `None`.
    pub(crate) fn set_manual_copy(&mut self, manual: Option<(String, chooser::CopyText)>) {
        self.close_popups(|p| matches!(p, Popup::ManualCopy { .. }));
        if let Some((title, text)) = manual {
            self.push_popup(Popup::ManualCopy { title, text });
        }
    }

    /// The selected choice of the mode menu, when open.
    pub fn mode_prompt(&self) -> Option<usize> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::ModeMenu { selected } => Some(*selected),
            _ => None,
        })
    }

    /// Closes the mode menu.
    pub(crate) fn close_mode_menu(&mut self) {
        self.close_popups(|p| matches!(p, Popup::ModeMenu { .. }));
    }

    /// The help overlay's scroll offset, when open.
    pub fn help_scroll(&self) -> Option<usize> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::Help { scroll } => Some(*scroll),
            _ => None,
        })
    }

    /// A key for the popup at `index` (the top one).
    pub(super) fn popup_key(&mut self, index: usize, key: KeyEvent, out: &mut Vec<Effect>) {
        if index >= self.popups.len() {
            return;
        }
        let k = Key::from_event(&key);
        let action = self.popups.get(index).and_then(|p| self.keymap.lookup_in(p.context(), k));
        // Menus and questions: the global help key, where the popup does not bind it, opens the help on top.
        if action.is_none()
            && matches!(
                self.popups.get(index),
                Some(Popup::Chooser(_) | Popup::ModeMenu { .. } | Popup::ConfirmCopy(_))
            )
            && self.keymap.lookup_in(Context::Global, k) == Some(Action::Help)
        {
            self.open_help();
            return;
        }
        let popup = self.popups.remove(index);
        let keep = match popup {
            Popup::Help { scroll } => match action {
                Some(Action::Down) => Some(Popup::Help { scroll: scroll + 1 }),
                Some(Action::Up) => Some(Popup::Help { scroll: scroll.saturating_sub(1) }),
                Some(Action::PageDown) => Some(Popup::Help { scroll: scroll + 10 }),
                Some(Action::PageUp) => Some(Popup::Help { scroll: scroll.saturating_sub(10) }),
                Some(Action::Top) => Some(Popup::Help { scroll: 0 }),
                // Any other key closes the help.
                _ => None,
            },
            // Any key closes text shown for selecting by hand.
            Popup::ManualCopy { .. } => None,
            Popup::ConfirmCopy(req) => {
                if action == Some(Action::Yes) {
                    out.push(Effect::Copy(req));
                } else {
                    self.info("not copied");
                }
                None
            }
            Popup::ModeMenu { selected } => {
                let n = MODES.len();
                match action {
                    Some(Action::Down) => Some(Popup::ModeMenu { selected: (selected + 1) % n }),
                    Some(Action::Up) => Some(Popup::ModeMenu { selected: (selected + n - 1) % n }),
                    Some(Action::Top) => Some(Popup::ModeMenu { selected: 0 }),
                    Some(Action::Bottom) => Some(Popup::ModeMenu { selected: n - 1 }),
                    Some(Action::Choose) => {
                        if let Some(s) = &self.secret {
                            let req = next_id(&mut self.next_req);
                            self.annotate_req = req;
                            out.push(Effect::SetMode {
                                req,
                                mount: s.mount.clone(),
                                path: s.path.clone(),
                                mode: MODES[selected],
                            });
                        }
                        // Stays open (greyed by the spinner) until the answer closes it.
                        Some(Popup::ModeMenu { selected })
                    }
                    // Any other key cancels.
                    _ => None,
                }
            }
            Popup::Chooser(mut c) => match c.on_key(key, action, &self.service) {
                chooser::ChooserOutcome::None => Some(Popup::Chooser(c)),
                chooser::ChooserOutcome::Close => None,
                chooser::ChooserOutcome::Copy(req) => {
                    out.push(Effect::Copy(req));
                    None
                }
            },
            Popup::Finder(v) => self.finder_key(v, key, out),
            Popup::Login(f) => self.login_key(f, key, out),
            Popup::Share { full, projects, selected } => {
                let n = projects.len().max(1);
                match action {
                    Some(Action::Down) => Some(Popup::Share { full, projects, selected: (selected + 1) % n }),
                    Some(Action::Up) => {
                        Some(Popup::Share { full, projects, selected: (selected + n - 1) % n })
                    }
                    Some(Action::Choose) => {
                        if let Some(user) = self.scope_user.clone() {
                            let req = self.req();
                            self.share_req = req;
                            out.push(Effect::Share {
                                req,
                                full,
                                project: projects.get(selected).cloned(),
                                user,
                                scopes: self.scopes.clone(),
                            });
                        }
                        None
                    }
                    _ if action == Some(Action::Back) || key.code == crossterm::event::KeyCode::Esc => None,
                    _ => Some(Popup::Share { full, projects, selected }),
                }
            }
            Popup::ScopeChoice { name, choices, selected } => {
                let n = choices.len().max(1);
                match action {
                    Some(Action::Down) => {
                        Some(Popup::ScopeChoice { name, choices, selected: (selected + 1) % n })
                    }
                    Some(Action::Up) => {
                        Some(Popup::ScopeChoice { name, choices, selected: (selected + n - 1) % n })
                    }
                    Some(Action::Choose) => {
                        if let Some((_, mount, folder)) = choices.get(selected) {
                            let path = super::join(folder, &name);
                            self.open_type_picker(mount.clone(), path);
                        }
                        None
                    }
                    _ if action == Some(Action::Back) || key.code == crossterm::event::KeyCode::Esc => None,
                    _ => Some(Popup::ScopeChoice { name, choices, selected }),
                }
            }
            Popup::Places { choices, selected } => {
                let n = choices.len().max(1);
                match action {
                    Some(Action::Down) => Some(Popup::Places { choices, selected: (selected + 1) % n }),
                    Some(Action::Up) => Some(Popup::Places { choices, selected: (selected + n - 1) % n }),
                    Some(Action::Top) => Some(Popup::Places { choices, selected: 0 }),
                    Some(Action::Bottom) => Some(Popup::Places { selected: n - 1, choices }),
                    Some(Action::Choose) => {
                        if let Some((_, path)) = choices.get(selected) {
                            self.secret = None;
                            self.history = None;
                            self.policy = None;
                            out.push(Effect::Resolve { path: path.clone() });
                        }
                        None
                    }
                    _ if action == Some(Action::Back) || key.code == crossterm::event::KeyCode::Esc => None,
                    _ => Some(Popup::Places { choices, selected }),
                }
            }
            Popup::Namespaces { choices, profiles, selected } => {
                let n = (choices.len() + profiles.len()).max(1);
                match action {
                    Some(Action::Down) => {
                        Some(Popup::Namespaces { choices, profiles, selected: (selected + 1) % n })
                    }
                    Some(Action::Up) => {
                        Some(Popup::Namespaces { choices, profiles, selected: (selected + n - 1) % n })
                    }
                    Some(Action::Top) => Some(Popup::Namespaces { choices, profiles, selected: 0 }),
                    Some(Action::Bottom) => Some(Popup::Namespaces { selected: n - 1, choices, profiles }),
                    Some(Action::Choose) => {
                        match choices.get(selected) {
                            Some(ns) => out.push(Effect::SwitchNamespace { namespace: ns.clone() }),
                            None => {
                                if let Some(p) = profiles.get(selected - choices.len()) {
                                    out.push(Effect::SwitchProfile { name: p.clone() });
                                }
                            }
                        }
                        None
                    }
                    _ if action == Some(Action::Back) || key.code == crossterm::event::KeyCode::Esc => None,
                    _ => Some(Popup::Namespaces { choices, profiles, selected }),
                }
            }
            Popup::Prompt(mut p) => match p.on_key(key, action) {
                prompt::PromptOutcome::None => Some(Popup::Prompt(p)),
                prompt::PromptOutcome::Cancel => None,
                prompt::PromptOutcome::Accept(text) => {
                    self.on_prompt(p.purpose, text, out);
                    None
                }
            },
        };
        if let Some(p) = keep {
            let at = index.min(self.popups.len());
            self.popups.insert(at, p);
        }
    }

    /// The mouse over the popup at `index`: a click closes the help; other popups are driven by keys, and
    /// nothing beneath them moves.
    pub(super) fn popup_mouse(&mut self, index: usize, m: &MouseEvent) {
        if matches!(self.popups.get(index), Some(Popup::Help { .. })) {
            match m.kind {
                MouseEventKind::Down(_) => {
                    self.popups.remove(index);
                }
                MouseEventKind::ScrollDown => {
                    if let Some(Popup::Help { scroll }) = self.popups.get_mut(index) {
                        *scroll += 3;
                    }
                }
                MouseEventKind::ScrollUp => {
                    if let Some(Popup::Help { scroll }) = self.popups.get_mut(index) {
                        *scroll = scroll.saturating_sub(3);
                    }
                }
                _ => {}
            }
        }
    }
}
