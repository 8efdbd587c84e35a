//! The SSH private key form (`kubernetes.io/ssh-auth`).
//!
//! The key is pasted into a text area or loaded from a file path (`~` expanded; unreadable files are
//! reported plainly), and checked as it changes with [`crate::secret::ssh::prepare_private_key`], which also
//! derives the public key and the SHA256 fingerprint shown under it. The pasted text is hidden unless the
//! user reveals it. Saving writes `ssh-privatekey`; once stored, the key is never shown or changed again.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;
use zeroize::Zeroizing;

use super::{FormOutcome, is_ctrl, typed_char};
use crate::action::Action;
use crate::secret::ssh::{self, PreparedKey, SshKeyError};
use crate::vault::kv::Mount;

/// Which field has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshFocus {
    /// The text area the key is pasted into.
    Key,
    /// The path of a key file to load.
    File,
}

/// What the form is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshMode {
    /// Typing.
    Edit,
    /// The write is under way.
    Saving,
    /// Leaving with a key in the form: asks first.
    ConfirmDiscard,
}

/// The SSH key form's state.
pub struct SshForm {
    /// The mount of the new secret.
    pub mount: Mount,
    /// Its path inside the mount.
    pub path: String,
    /// The pasted (or loaded) key text.
    pub text: TextArea<'static>,
    /// The key file path being typed.
    pub file: String,
    /// The focused field.
    pub focus: SshFocus,
    /// Show the key text.
    pub reveal: bool,
    /// The check of the current text: `None` while it is empty.
    pub check: Option<Result<PreparedKey, SshKeyError>>,
    /// The file the text was loaded from, if it was.
    pub loaded_from: Option<String>,
    /// Current mode.
    pub mode: SshMode,
    /// The last error.
    pub error: Option<String>,
}

impl SshForm {
    /// An empty form for a new secret.
    pub fn new(mount: Mount, path: String) -> Self {
        let mut text = TextArea::default();
        text.set_placeholder_text("paste the private key here (-----BEGIN … PRIVATE KEY----- … -----END …)");
        Self {
            mount,
            path,
            text,
            file: String::new(),
            focus: SshFocus::Key,
            reveal: false,
            check: None,
            loaded_from: None,
            mode: SshMode::Edit,
            error: None,
        }
    }

    /// The key text as it stands.
    pub fn key_text(&self) -> Zeroizing<String> {
        Zeroizing::new(self.text.lines().join("\n"))
    }

    /// Number of non-empty lines of key text.
    pub fn key_lines(&self) -> usize {
        self.text.lines().iter().filter(|l| !l.trim().is_empty()).count()
    }

    fn revalidate(&mut self) {
        let text = self.key_text();
        self.check = if text.trim().is_empty() { None } else { Some(ssh::prepare_private_key(&text)) };
    }

    /// Asks before leaving when a key was given; true when it now asks.
    pub fn confirm_leave(&mut self) -> bool {
        if self.key_lines() > 0 {
            self.mode = SshMode::ConfirmDiscard;
            true
        } else {
            false
        }
    }

    /// The write failed: keep the key, show why.
    pub fn save_failed(&mut self, message: String) {
        self.mode = SshMode::Edit;
        self.error = Some(format!("not saved: {message}"));
    }

    /// Loads the key from the typed file path.
    pub fn load_file(&mut self) {
        let path = self.file.trim().to_string();
        if path.is_empty() {
            self.error = Some("type the path of a key file, e.g. ~/.ssh/id_ed25519".into());
            return;
        }
        match ssh::read_key_file(&path) {
            Ok(text) => {
                let lines: Vec<String> = text.lines().map(str::to_string).collect();
                let mut area = TextArea::new(lines);
                area.set_placeholder_text(self.text.placeholder_text().to_string());
                self.text = area;
                self.loaded_from = Some(path);
                self.error = None;
                self.revalidate();
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Handles a key; `action` is what the form's keymap binds it to.
    pub fn on_key(&mut self, key: KeyEvent, action: Option<Action>) -> FormOutcome {
        match self.mode {
            SshMode::Saving => FormOutcome::None,
            SshMode::ConfirmDiscard => {
                if action == Some(Action::Yes) {
                    return FormOutcome::Close;
                }
                self.mode = SshMode::Edit;
                FormOutcome::None
            }
            SshMode::Edit => self.edit_key(key, action),
        }
    }

    fn edit_key(&mut self, key: KeyEvent, action: Option<Action>) -> FormOutcome {
        if self.focus == SshFocus::Key {
            // The text area takes what edits text; Enter and the arrows move inside it, not between fields.
            let text_key = typed_char(&key).is_some()
                || matches!(key.code, KeyCode::Enter | KeyCode::Up | KeyCode::Down)
                || action.is_none();
            if text_key {
                if self.text.input(key) {
                    self.loaded_from = None;
                    self.error = None;
                    self.revalidate();
                }
                return FormOutcome::None;
            }
        } else {
            if let Some(c) = typed_char(&key) {
                self.file.push(c);
                self.error = None;
                return FormOutcome::None;
            }
            match key.code {
                KeyCode::Enter => {
                    self.load_file();
                    return FormOutcome::None;
                }
                KeyCode::Backspace => {
                    self.file.pop();
                    return FormOutcome::None;
                }
                _ if is_ctrl(&key, 'u') => {
                    self.file.clear();
                    return FormOutcome::None;
                }
                _ => {}
            }
        }
        match action {
            Some(Action::NextField | Action::PrevField) => {
                self.focus = if self.focus == SshFocus::Key { SshFocus::File } else { SshFocus::Key };
            }
            Some(Action::LoadFile) => self.focus = SshFocus::File,
            Some(Action::Reveal) => self.reveal = !self.reveal,
            Some(Action::Save) => return self.request_save(),
            Some(Action::Back) => {
                return if self.confirm_leave() { FormOutcome::None } else { FormOutcome::Close };
            }
            Some(Action::Help) => return FormOutcome::Help,
            _ => {}
        }
        FormOutcome::None
    }

    fn request_save(&mut self) -> FormOutcome {
        match &self.check {
            None => {
                self.error = Some("cannot save: paste a private key or load it from a file".into());
                FormOutcome::None
            }
            Some(Err(e)) => {
                self.error = Some(format!("cannot save: {e}"));
                FormOutcome::None
            }
            Some(Ok(prepared)) => {
                self.mode = SshMode::Saving;
                self.error = None;
                FormOutcome::Save { data: prepared.to_secret_data(), force: false }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn m() -> Mount {
        Mount { path: "secret".into(), version: crate::vault::KvVersion::V2, description: String::new() }
    }

    #[test]
    fn empty_or_bad_keys_are_not_saved() {
        let mut f = SshForm::new(m(), "k".into());
        let none = KeyEvent::new(KeyCode::Null, KeyModifiers::NONE);
        assert!(matches!(f.on_key(none, Some(Action::Save)), FormOutcome::None));
        assert!(f.error.as_ref().unwrap().contains("paste"));
        for c in "hello".chars() {
            f.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), None);
        }
        assert!(matches!(f.check, Some(Err(_))));
        assert!(matches!(f.on_key(none, Some(Action::Save)), FormOutcome::None));
        assert!(f.error.as_ref().unwrap().starts_with("cannot save"));
        assert!(!f.error.as_ref().unwrap().contains("hello"), "the text is never quoted");
    }

    #[test]
    fn file_errors_are_plain() {
        let mut f = SshForm::new(m(), "k".into());
        let none = KeyEvent::new(KeyCode::Null, KeyModifiers::NONE);
        f.on_key(none, Some(Action::LoadFile));
        assert_eq!(f.focus, SshFocus::File);
        for c in "/nonexistent/id_x".chars() {
            f.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), None);
        }
        f.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), Some(Action::NextField));
        assert_eq!(f.error.as_deref(), Some("cannot read /nonexistent/id_x: no such file"));
    }
}
