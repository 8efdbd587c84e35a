//! One-line prompts: names of new secrets and folders, destinations of moves and copies, typed
//! confirmations. The prompt checks names as they are typed with the same rules the CLI uses.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;
use crate::vault::kv::Mount;

/// What the typed text is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptPurpose {
    /// The name (or relative path) of a new secret in `folder`.
    NewSecret { mount: Mount, folder: String },
    /// The name (or relative path) of a new folder in `folder`.
    NewFolder { mount: Mount, folder: String },
}

/// A one-line prompt.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// Title of the popup.
    pub title: String,
    /// What the text is for.
    pub purpose: PromptPurpose,
    /// The text typed so far.
    pub text: String,
    /// Why the text cannot be accepted, updated as it is typed.
    pub error: Option<String>,
}

/// What the app should do after a key.
#[derive(Debug, PartialEq, Eq)]
pub enum PromptOutcome {
    /// Keep the prompt.
    None,
    /// The user accepted this text (valid).
    Accept(String),
    /// The user cancelled.
    Cancel,
}

impl Prompt {
    /// A new prompt.
    pub fn new(title: impl Into<String>, purpose: PromptPurpose) -> Self {
        let mut p = Self { title: title.into(), purpose, text: String::new(), error: None };
        p.validate();
        p
    }

    fn validate(&mut self) {
        self.error = if self.text.is_empty() {
            Some("type a name; / makes subfolders".into())
        } else {
            crate::secret::rules::path_error(&self.text)
        };
    }

    /// Handles a key; `action` is what the keymap's line context binds it to.
    pub fn on_key(&mut self, key: KeyEvent, action: Option<Action>) -> PromptOutcome {
        if action == Some(Action::ClearLine) {
            self.text.clear();
            self.validate();
            return PromptOutcome::None;
        }
        match key.code {
            KeyCode::Esc => return PromptOutcome::Cancel,
            KeyCode::Enter => {
                self.validate();
                if self.error.is_none() {
                    return PromptOutcome::Accept(self.text.clone());
                }
            }
            KeyCode::Backspace => {
                self.text.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => self.text.push(c),
            _ => {}
        }
        self.validate();
        PromptOutcome::None
    }
}
