//! Input routing: a key or a mouse event goes to the top layer of [`super::overlay`]; a screen's keys go
//! through the keymap to an [`Action`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent};

use super::overlay::Layer;
use super::*;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        if matches!(self.message, Some((Level::Info, _))) {
            self.message = None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            if let Some(e) = self.editor.as_mut()
                && e.confirm_leave()
            {
                self.quit_after_discard = true;
                return;
            }
            if let Some(f) = self.form.as_mut()
                && f.confirm_leave()
            {
                self.quit_after_discard = true;
                return;
            }
            self.should_quit = true;
            return;
        }
        match self.top_layer() {
            Layer::Popup(i) => self.popup_key(i, key, out),
            Layer::Audit => {
                self.audit_key(key, out);
            }
            Layer::Ops => {
                self.ops_key(key, out);
            }
            Layer::Form => self.on_form_key(key, out),
            Layer::Editor => self.editor_key(key, out),
            Layer::Compare => self.compare_key(key, out),
            Layer::Policy => {
                let action = self.keymap.lookup(Context::Policy, Key::from_event(&key));
                self.policy_key(action, key, out);
            }
            Layer::History => {
                if !self.ops_key(key, out) {
                    self.history_key(key, out);
                }
            }
            Layer::Secret | Layer::Explorer => {
                if !self.audit_key(key, out) && !self.ops_key(key, out) {
                    self.screen_key(key, out);
                }
            }
        }
    }

    pub(super) fn editor_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        let Some(e) = self.editor.as_mut() else { return };
        let outcome = if e.browsing() {
            match self.keymap.lookup(Context::Editor, Key::from_event(&key)) {
                Some(Action::Help) => {
                    self.open_help();
                    return;
                }
                Some(Action::Login) => {
                    self.open_login("log in again: the draft stays; save once logged in");
                    return;
                }
                Some(action) => e.on_action(action),
                None => editor::EditorOutcome::None,
            }
        } else {
            let ctx = e.key_context();
            let action = self.keymap.lookup_in(ctx, Key::from_event(&key));
            e.on_key(key, action)
        };
        self.on_editor_outcome(outcome, out);
    }

    pub(super) fn history_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        let Some(h) = self.history.as_mut() else { return };
        let outcome = if h.confirming() {
            let action = self.keymap.lookup_in(h.confirm_context(), Key::from_event(&key));
            h.on_confirm_key(key, action)
        } else {
            match self.keymap.lookup(Context::History, Key::from_event(&key)) {
                Some(Action::Help) => {
                    self.open_help();
                    return;
                }
                Some(Action::Refresh) => {
                    let (mount, path) = (h.mount.clone(), h.path.clone());
                    self.open_history(mount, path, out);
                    return;
                }
                Some(action) => h.on_action(action),
                None => history::HistoryOutcome::None,
            }
        };
        self.on_history_outcome(outcome, out);
    }

    /// A key for the secret view or the explorer (the filter line takes every key while it is typed).
    pub(super) fn screen_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        if self.filter_editing {
            self.on_filter_key(key);
            return;
        }
        let context = self.screen_context();
        if let Some(action) = self.keymap.lookup(context, Key::from_event(&key)) {
            self.dispatch(action, out);
        }
    }

    /// Runs an action.
    pub fn dispatch(&mut self, action: Action, out: &mut Vec<Effect>) {
        match self.screen_context() {
            Context::Json => self.dispatch_json(action),
            Context::Secret => self.dispatch_secret(action, out),
            _ => self.dispatch_explorer(action, out),
        }
    }

    pub(super) fn dispatch_common(&mut self, action: Action, out: &mut Vec<Effect>) -> bool {
        match action {
            Action::Help => self.open_help(),
            Action::Quit => self.should_quit = true,
            Action::Refresh => self.refresh(out),
            Action::Find => self.open_finder("", out),
            Action::Login => self.open_login("log in again"),
            Action::Places => self.look_up_places(true, out),
            Action::Sidebar => {
                self.sidebar = !self.sidebar;
                if self.sidebar {
                    // Looked up again: the projects may have changed since.
                    self.look_up_places(false, out);
                }
            }
            Action::Share => {
                use crate::scopes::{Scope, classify};
                let Some(e) = self.list.selected_entry().filter(|e| !e.is_folder).cloned() else {
                    self.error("select a secret to share or make private");
                    return true;
                };
                let full = format!("{}{}", self.breadcrumb(), e.name);
                match (classify(&self.scopes, self.scope_user.as_deref(), &full), self.scope_user.is_some()) {
                    (_, false) => self.error("your login name is not known here: p looks your places up"),
                    (Scope::Private, true) if self.scope_projects.is_empty() => {
                        self.error("no project to share with: p looks your projects up")
                    }
                    (Scope::Private, true) => {
                        let projects = self.scope_projects.clone();
                        self.push_popup(overlay::Popup::Share { full, projects, selected: 0 });
                    }
                    (Scope::Project(_), true) => {
                        self.push_popup(overlay::Popup::Share { full, projects: Vec::new(), selected: 0 })
                    }
                    (Scope::Other, true) => self.error(
                        "only a secret of your personal folder or of a project can be shared or made private",
                    ),
                }
            }
            Action::Bookmark => {
                let here = self.breadcrumb();
                if self.mount.is_none() {
                    self.error("open a folder to bookmark it");
                } else if let Some(i) = self.bookmarks.iter().position(|b| *b == here) {
                    self.bookmarks.remove(i);
                    self.info(format!("forgot the bookmark {here}"));
                    out.push(Effect::SaveBookmarks { bookmarks: self.bookmarks.clone() });
                } else {
                    self.bookmarks.push(here.clone());
                    self.info(format!("bookmarked {here} (p lists the places)"));
                    out.push(Effect::SaveBookmarks { bookmarks: self.bookmarks.clone() });
                }
            }
            Action::Namespaces => {
                let req = self.req();
                self.ns_req = req;
                self.info("listing the namespaces…");
                out.push(Effect::ListNamespaces { req });
            }
            _ => return false,
        }
        true
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent, out: &mut Vec<Effect>) {
        match self.top_layer() {
            Layer::Popup(i) => self.popup_mouse(i, &m),
            Layer::Audit => self.audit_mouse(&m),
            // Dialogs, forms and the editor are driven by the keyboard; what is beneath must not move.
            Layer::Ops | Layer::Form | Layer::Editor | Layer::Policy | Layer::History | Layer::Compare => {}
            Layer::Secret | Layer::Explorer => self.screen_mouse(m, out),
        }
    }
}
