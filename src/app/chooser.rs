//! "Use in service": a chooser of what to copy for a secret or a folder (its path, the path relative to the
//! top folder, CLI, curl and hvac snippets, an ExternalSecret, a Kubernetes Secret, a `.env` body, `export`
//! lines), each previewed before copying. Anything that would contain a value asks for an explicit confirm.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent};
use zeroize::Zeroizing;

use crate::action::Action;
use crate::clipboard::Content;
use crate::secret::SecretData;
use crate::snippet::{ServiceSettings, SnippetFormat, Target, render};

/// Text to copy; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct CopyText(pub Zeroizing<String>);

impl fmt::Debug for CopyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CopyText({} chars)", self.0.chars().count())
    }
}

/// A request to copy, handed to the terminal side (which owns the clipboard and the terminal writer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyRequest {
    /// The text.
    pub text: CopyText,
    /// Whether it holds a secret value (cleared after the configured delay).
    pub content: Content,
    /// What it is, for the status message (`the path`, `the value of DB_PASSWORD`); never a value.
    pub what: String,
}

/// What the app should do after a key in the chooser.
#[derive(Debug, PartialEq, Eq)]
pub enum ChooserOutcome {
    /// Nothing outside the chooser.
    None,
    /// Copy this.
    Copy(CopyRequest),
    /// Close the chooser.
    Close,
}

/// The chooser's state.
#[derive(Debug, Clone)]
pub struct Chooser {
    /// What the snippets are for.
    pub target: Target,
    /// The secret's data, when the chooser was opened from a loaded secret (value-bearing formats).
    pub data: Option<SecretData>,
    /// The formats offered, in order.
    pub formats: Vec<SnippetFormat>,
    /// Selected format.
    pub selected: usize,
    /// Waiting for `y` to copy a snippet that contains values.
    pub confirm: bool,
    /// The last problem (e.g. the secret is not under the top folder).
    pub error: Option<String>,
}

impl Chooser {
    /// A chooser for `target`; value-bearing formats are offered only when `data` is given.
    pub fn new(target: Target, data: Option<SecretData>) -> Self {
        let formats: Vec<SnippetFormat> = SnippetFormat::available(&target)
            .into_iter()
            .filter(|f| !f.contains_values() || data.is_some())
            .collect();
        Self { target, data, formats, selected: 0, confirm: false, error: None }
    }

    /// The selected format.
    pub fn format(&self) -> Option<SnippetFormat> {
        self.formats.get(self.selected).copied()
    }

    /// The preview of the selected format: its text for value-free formats, `None` for the others.
    pub fn preview(&self, settings: &ServiceSettings) -> Result<Option<Zeroizing<String>>, String> {
        let Some(f) = self.format() else { return Ok(None) };
        if f.contains_values() {
            return Ok(None);
        }
        render(f, &self.target, settings, None).map(|s| Some(s.text)).map_err(|e| e.to_string())
    }

    /// Handles a key; `action` is what the keymap binds it to (in the confirm context while a copy with
    /// values asks, in the menu context otherwise).
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        action: Option<Action>,
        settings: &ServiceSettings,
    ) -> ChooserOutcome {
        if self.confirm {
            self.confirm = false;
            if action == Some(Action::Yes) {
                return self.copy(settings);
            }
            return ChooserOutcome::None;
        }
        self.error = None;
        let n = self.formats.len();
        match action {
            Some(Action::Back) => return ChooserOutcome::Close,
            Some(Action::Down) => self.selected = (self.selected + 1) % n.max(1),
            Some(Action::Up) => self.selected = (self.selected + n.max(1) - 1) % n.max(1),
            Some(Action::Top) => self.selected = 0,
            Some(Action::Bottom) => self.selected = n.saturating_sub(1),
            Some(Action::Choose) => {
                if self.format().is_some_and(SnippetFormat::contains_values) {
                    self.confirm = true;
                    return ChooserOutcome::None;
                }
                return self.copy(settings);
            }
            _ if key.code == KeyCode::Esc => return ChooserOutcome::Close,
            _ => {}
        }
        ChooserOutcome::None
    }

    fn copy(&mut self, settings: &ServiceSettings) -> ChooserOutcome {
        let Some(f) = self.format() else { return ChooserOutcome::None };
        match render(f, &self.target, settings, self.data.as_ref()) {
            Ok(snippet) => ChooserOutcome::Copy(CopyRequest {
                text: CopyText(snippet.text),
                content: if snippet.contains_values { Content::Secret } else { Content::Text },
                what: format!("the {}", f.label()),
            }),
            Err(e) => {
                self.error = Some(e.to_string());
                ChooserOutcome::None
            }
        }
    }
}
